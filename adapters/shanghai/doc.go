// Package shanghai is the adapter for 随申码 (Shanghai Health Code), the
// health-code system of Shanghai (region 310000), registered as "shanghai".
//
// # What is real and what is invented
//
// Real: 随申码 showed a green, yellow or red code, the latest nucleic-acid
// test and the vaccination record, and people scanned 场所码 (place codes) at
// venues and were checked by 数字哨兵 (digital sentinels) at entrances and
// stations. The export below is invented, modelled on what the app showed
// and on the XML batch exports common in government data exchange; the
// system's own export was never published. The namespace URI is ours. The
// 证件类型 codes (111, 414, 511, 513, 516) follow the document-type code
// table widely used by Chinese e-government systems; the 赋码原因 (reason)
// codes are invented.
//
// # Payload
//
// One XML document, UTF-8 or a declared GB 18030, GBK or GB 2312 encoding:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<SSMExport xmlns="urn:sh-ssm:export:1" version="1">
//	  <Header>
//	    <BatchNo>SSM-20220104093000</BatchNo>
//	    <ExportTime>2022-01-04T09:30:00+08:00</ExportTime>
//	  </Header>
//	  <Person id="SSM310000000001">
//	    <Certificate type="111">310115198001011238</Certificate>
//	    <Name><![CDATA[张三]]></Name>
//	    <HealthCode color="Y" issuedAt="2022-01-04T09:00:00+08:00" validUntil="2022-01-11T09:00:00+08:00">
//	      <Reason code="301">密切接触者</Reason>
//	    </HealthCode>
//	    <NucleicAcid result="待出" sampledAt="2022-01-04T08:10:00+08:00">
//	      <Lab><![CDATA[上海市浦东新区疾病预防控制中心]]></Lab>
//	    </NucleicAcid>
//	    <Vaccination doses="3" lastDoseDate="2021-11-02"/>
//	    <PlaceScan sn="CS000000001" type="1" placeCode="310115-V-000123" district="310115004"
//	               lat="31.2397" lon="121.4998" scanTime="2022-01-03T23:40:00+08:00"
//	               leaveTime="2022-01-04T00:20:00+08:00">
//	      <PlaceName>陆家嘴 &amp; 世纪大道站</PlaceName>
//	    </PlaceScan>
//	  </Person>
//	</SSMExport>
//
// Header is required and appears once: BatchNo (at most 128 bytes) and
// ExportTime. Each Person needs id, one Certificate (type attribute and the
// number as text) and one HealthCode (color required: G/Y/R, or 绿/黄/红 as
// older exports wrote; issuedAt, validUntil and Reason elements optional).
// NucleicAcid (result 阴性, 阳性 or 待出; sampledAt; Lab), Vaccination (doses
// required; lastDoseDate an xs:date) and PlaceScan elements (sn, placeCode and
// scanTime required; type 1 场所码 or 2 数字哨兵, default 1; district a GB/T
// 2260 code of 6 or 9 digits; lat, lon; leaveTime; PlaceName) are optional;
// Name is read past, never looked at.
//
// # XML rules
//
// Elements count only in the namespace urn:sh-ssm:export:1, whatever prefix
// binds it (a default namespace and a prefix are alike); attributes are
// unqualified. The root must be SSMExport in that namespace, version "1" or
// absent, and nothing but whitespace, comments and processing instructions
// may follow it. CDATA sections and the five predefined entities are read as
// text; a DTD is skipped and never expanded, so entities it declares are
// undefined and make the document malformed (no entity expansion attacks, no
// external fetches). Text and attribute values are trimmed of surrounding
// whitespace. A malformed document, an unsupported encoding, a missing or
// repeated Header, or a wrong root element refuses the payload whole; a
// malformed document is reported as a *SyntaxError naming line, column and
// byte offset. An element of Person the adapter does not know (for example a
// vendor extension in another namespace) is ignored with a warning; unknown
// elements elsewhere are ignored silently. Certificate, HealthCode,
// NucleicAcid and Vaccination may appear at most once per Person: two
// colours for one person reject the record rather than letting document
// order pick one. Unknown attributes are ignored. Rejections name the field
// XPath-style relative to Person, counting from 1 as XPath does:
// "Certificate/@type", "PlaceScan[2]/@scanTime". Messages quote a native
// value only when it is a short ASCII code with few digits, never a time, a
// name or anything that could be a document number.
//
// # Mapping
//
// Colours: G/绿 green (label 绿码), Y/黄 yellow (黄码), R/红 red (红码); the
// attribute as written is local.code. Reasons are the Reason codes in
// document order, listed once each: 101 nat_negative_48h, 102
// nat_negative_72h, 103 nat_negative, 104 nat_pending, 105 nat_overdue, 201
// nat_positive, 202 confirmed_case, 301 close_contact, 302 secondary_contact,
// 303 from_risk_area, 304 inbound_traveller, 305 fever_clinic, 401
// home_quarantine, 402 central_quarantine, 900 risk_group. An unknown code on
// a yellow or red code becomes risk_group with a warning (the person was
// flagged for something); on a green code it is dropped with a warning. The
// colour is the region's and is never recomputed from reasons or tests.
//
// Times are xs:dateTime. The export writes them with +08:00; a time with an
// offset keeps it (a Z stays UTC), and a zoneless one, which xs:dateTime
// allows and older exports wrote, is Beijing time. ExportTime is the status
// time of every HealthCode without issuedAt: an export is a snapshot, so that
// is when the code was seen with that colour.
//
// Documents: 111 resident_id (18 digits, or the 15-digit first-generation
// card, upgraded by the schema package), 414 passport, 513 hk_macau_permit
// (往来港澳通行证), 511 taiwan_permit. 516, the 港澳居民来往内地通行证 (home
// return permit), is recognised but rejected: v1 has no document type for
// it. Hong Kong and Macau identity cards do not occur in 随申码.
//
// Source.System is "sh-ssm"; Source.RecordID is Person/@id for the status
// and PlaceScan/@sn for each scan. Every status and event has region 310000;
// a scan's place region is its district, or 310000 when absent. The batch ID
// is the caller's, else BatchNo.
//
// # What the format cannot carry
//
// Encode refuses reasons without a 随申码 code (no_abnormality,
// cannot_confirm, vaccinated, recovered, visited_risk_area), document types
// other than the four above, statuses and events of other regions, and event
// kinds other than venue_scan and checkpoint. A latitude or longitude of
// exactly 0 is not written.
//
// Sample generates people the export can carry (the four document types,
// times to the second in Beijing time, 场所码 and 数字哨兵 scans across
// Shanghai, yellow and red codes with reasons that have a 随申码 code) for
// region simulators and the development cluster.
package shanghai
