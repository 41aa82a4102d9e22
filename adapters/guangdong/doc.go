// Package guangdong is the adapter for 粤康码 (Guangdong Health Code), the
// health-code system of Guangdong province (region 440000), registered as
// "guangdong". Guangzhou (440100) and Shenzhen (440300) run their own nodes
// of it and export under their city codes.
//
// # What is real and what is invented
//
// Real: 粤康码 was one code for the whole province, used by residents and
// by the many Hong Kong and Macau residents crossing into Guangdong, and it
// listed 风险人群 (risk groups such as 密接, 次密接, 入境人员, 中高风险地区来粤)
// apart from the code colour. Modelled on that, and invented: a code that is
// only red or green with risk groups as a separate field, the cross-border
// document types below, and the export layout (field names, codes, the
// numbering of colours), in the camelCase JSON style of the province's
// 粤省事 services.
//
// # Payload
//
// One UTF-8 JSON object (a leading byte-order mark is tolerated):
//
//	{
//	  "batchNo": "YKM-440300-20220104090000",  batch number (optional)
//	  "areaCode": "440300",                    exporting node, 44xxxx (required)
//	  "exportTime": "20220104090000",          informational, not read
//	  "records": [{
//	    "serialNo": "4403002201040000001",     record number (required)
//	    "certType": "HKID",                    document type code (required)
//	    "certNo": "A123456(3)",                document number (required)
//	    "name": "陈大文",                        never read
//	    "codeColor": "0",                      0 green, 2 red (required)
//	    "riskGroups": ["入境人员"],              风险人群 (optional)
//	    "codeTime": "20220104090000",          赋码时间 (required)
//	    "validTime": "20220105090000",         有效期至 (optional)
//	    "nucleicAcid": {"result": "阴性", "sampleTime": "20220103152000", "org": "深圳市第三人民医院"},
//	    "vaccine": {"doses": 3, "lastDate": "20211102"},
//	    "scans": [{"scanNo": "SC0001", "scanType": "PLACE", "placeCode": "440305-V-000123",
//	               "placeName": "深圳湾口岸", "areaCode": "440305", "lng": 113.94, "lat": 22.50,
//	               "inTime": "20220104101500", "outTime": "20220104103000"}]
//	  }]
//	}
//
// Times are yyyyMMddHHmmss Beijing time without a zone and come out with
// +08:00; lastDate is yyyyMMdd and comes out as YYYY-MM-DD. nucleicAcid.result
// is 阴性, 阳性 or 检测中 (pending); vaccine.doses is required when vaccine is
// present. scanType is PLACE (场所码, venue_scan), CHECKPOINT (卡口,
// checkpoint) or TRANSIT (stations, airports and ports, transit).
//
// certType: IDCARD resident_id (18 digits, or the 15-digit first-generation
// card, upgraded by the schema package), PASSPORT passport, HKMO_PASS
// hk_macau_permit (往来港澳通行证), TW_PASS taiwan_permit, HKID hk_id (with
// or without the brackets around the check character), MOID macau_id. HMRP,
// the 港澳居民来往内地通行证 (home return permit) Hong Kong and Macau
// residents mostly crossed with, is recognised but rejected: v1 has no
// document type for it, and folding it into hk_id or hk_macau_permit would
// give one person two subjects, or two people one.
//
// # Colour and reasons
//
//	codeColor  riskGroups  colour  reasons
//	0 (绿码)   none        green   none
//	0 (绿码)   some        yellow  one per group
//	2 (红码)   any         red     one per group, then nat_positive if the test is positive;
//	                               risk_group if that leaves none
//	1          -           rejected: the format never issues yellow
//
// Risk groups map to 密接 close_contact, 次密接 secondary_contact, 入境人员
// inbound_traveller, 中高风险地区来粤 from_risk_area; a group the adapter does
// not know becomes risk_group with a warning (the record is kept: the person
// is in some risk group); an empty entry is ignored with a warning. Repeated
// reasons are listed once.
//
// A green code with a risk group becomes yellow. Every other system of the
// federation gives these groups a yellow or a red code, and the federated
// colour is the most severe regional colour; left green, a close contact
// arriving from Guangdong would pass every checkpoint, which is the "should
// have been yellow, stayed green" failure the federation exists to prevent.
// local keeps what 粤康码 itself showed (label 绿码, code 0), so the
// derivation stays auditable. A red code stays red; its groups are reasons.
//
// Green codes carry no reason: the export gives none, and the adapter does
// not guess one from the test. A red code's positive test becomes
// nat_positive because it is the likeliest cause the export states; a red
// code with neither a group nor a positive test says only risk_group.
//
// # Records, regions, IDs
//
// Source.System is "gd-ykm"; Source.RecordID is serialNo for the status and
// scanNo for each scan. The batch region is areaCode; every status has region
// 440000 (one provincial verdict per person, whichever node exported it);
// events have areaCode as region, and their place the scan's areaCode (6 or 9
// digits) or, when absent, the export's. The batch ID is the caller's, else
// batchNo, else one derived from the payload hash. A payload that is not
// UTF-8, not a JSON object with a records array, without a Guangdong
// areaCode, or whose batchNo exceeds 128 bytes is refused whole. A record
// with a field of the wrong JSON type is rejected naming the field, without
// array positions ("scans.lat"); the other records are kept. Messages
// quote a native value only when it is a short ASCII code with few digits,
// never a time, a name or anything that could be a document number.
//
// # What the format cannot carry
//
// Encode refuses a yellow status none of whose reasons is a risk group, a
// status of a region other than 440000, events of different regions in one
// export, event kinds other than venue_scan, checkpoint and transit, and a
// document type without a certType. It drops reasons that are not risk
// groups (nat_positive returns on decode only for a red code with a positive
// test), the risk groups of a green status, sub-second precision, and time
// offsets other than +08:00 (times are written in Beijing time). A latitude
// or longitude of exactly 0 is not written.
//
// Sample generates people the export can carry (all six document types,
// one provincial status each, yellow only through risk groups, times to the
// second, and the scans of one exporting node: Shenzhen, Guangzhou or the
// province, chosen by seed) for region simulators and the development
// cluster.
package guangdong
