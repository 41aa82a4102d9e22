// Package zhejiang decodes and encodes the record feed of Zhejiang's health
// code, 浙江健康码 (source system "zj-jkm"), registered as format "zhejiang"
// for regions 330000 (Zhejiang) and 330100 (Hangzhou, where the health code
// began in February 2020).
//
// # What is real and what is invented
//
// The system is real: it showed a green, yellow or red code with its reason,
// the latest nucleic-acid test and the vaccination record, and from 2021 its
// 场所码 (venue codes) were scanned at the door of shops, offices and
// transport, leaving a trail of venue scans. Its data interfaces were not
// published. The layout below is invented, modelled on what the system
// showed and on the conventions of the Java services behind it: camelCase
// keys, upper-case enumerations, and every time as epoch milliseconds.
// The enumerations of idType, reasons and nucleicAcid.result are invented
// too.
//
// # Payload
//
// One UTF-8 JSON object:
//
//	{
//	  "requestId": "zj-jkm-20220104090500",
//	  "regionCode": "330100",
//	  "records": [{
//	    "recordId": "P000001",
//	    "name": "王伟",
//	    "idType": "ID_CARD",
//	    "idNo": "330106199003150022",
//	    "statuses": [{
//	      "codeId": "HZ-20220104-000001",
//	      "color": "GREEN",
//	      "reasons": ["NUCLEIC_NEGATIVE_48H"],
//	      "issueTime": 1641258000000,
//	      "expireTime": 1641344400000,
//	      "nucleicAcid": {"result": "NEGATIVE", "sampleTime": 1641195600000, "institution": "浙大一院"},
//	      "vaccine": {"doses": 3, "lastDoseTime": 1635782400000}
//	    }],
//	    "scans": [{
//	      "scanId": "S-20220104-000001",
//	      "placeCode": "330106-V-000123",
//	      "placeName": "西湖银泰城",
//	      "areaCode": "330106001",
//	      "lat": 30.2592, "lon": 120.1647,
//	      "scanTime": 1641258600000,
//	      "leaveTime": 1641261000000
//	    }]
//	  }]
//	}
//
// Envelope: requestId (optional), regionCode (required, the GB/T 2260 code
// of the issuing region, 6 or 9 digits under 33), records (required, may be
// empty). A record is one person: recordId (optional), name (never read by
// Decode), idType and idNo (required), and any number of statuses and
// scans. Required in a status: codeId, color, issueTime; in a nucleicAcid:
// result; in a vaccine: doses; in a scan: scanId, placeCode, areaCode,
// scanTime. Everything else is optional. Unknown keys are ignored.
//
// # Mapping to schema v1
//
// A record becomes one status per entry of statuses and one venue_scan
// event per entry of scans, all for the same subject; the record is kept or
// rejected whole.
//
//   - subject: idNo pseudonymised under the document type idType names:
//     ID_CARD resident_id (15-digit first-generation cards are upgraded to 18
//     digits), PASSPORT passport, HK_MACAO_PASS hk_macau_permit (往来港澳通行证),
//     TAIWAN_PASS taiwan_permit, HK_ID_CARD hk_id, MACAO_ID_CARD macau_id,
//     HOME_RETURN_PERMIT home_return_permit (港澳居民来往内地通行证),
//     FOREIGN_PERMANENT_RESIDENT foreign_permanent_resident_id
//     (外国人永久居留身份证). The error of a bad number never repeats it.
//   - region: regionCode, for the batch, every status and every event.
//   - color and local: GREEN/YELLOW/RED are green/yellow/red; local keeps
//     the label shown (绿码, 黄码, 红码) and the enumeration as written. Any
//     other value, lower case included, rejects the record.
//   - reasons: each enumeration maps to one schema reason code (see
//     reasonCodes). One not in the table costs a warning and is left out,
//     not the record: the colour, not its explanation, is what a checkpoint
//     acts on.
//   - times: epoch milliseconds, output in Beijing time (+08:00) since the
//     instant carries no zone and the region's convention is Beijing time. 0
//     or absent means "not given" for an optional time and "missing" for a
//     required one. A time before 2020 or after 2100 rejects the record: it
//     is almost certainly epoch seconds (or microseconds) sent as
//     milliseconds. expireTime before issueTime, or leaveTime before
//     scanTime, rejects the record.
//   - nat: from nucleicAcid; result NEGATIVE/POSITIVE/TESTING is
//     negative/positive/pending, sampleTime is sampled_at, institution is
//     lab.
//   - vaccination: from vaccine; doses as given, lastDoseTime becomes the
//     calendar date of that instant in Beijing.
//   - events: kind venue_scan; place.id placeCode, place.name placeName,
//     place.region areaCode (where the venue is, which may be finer than
//     the issuing region), place.lat/lon lat/lon (0 means not given; a
//     value out of range, typically lat and lon swapped, rejects the
//     record); start scanTime, end leaveTime.
//   - source: system "zj-jkm"; record_id codeId for a status, scanId for an
//     event.
//   - batch_id: DecodeOptions.BatchID, else requestId, else a hash of the
//     payload. A requestId longer than the 128 bytes v1 allows costs a
//     warning and the hash is used.
//
// A rejection names the native field by its path inside the record, with
// the element index: "statuses[1].color", "scans[0].lat".
//
// A record that is null or {}, or holds a value of the wrong JSON type
// (idNo as a number, a time as a string), is rejected naming the field; the
// offending value is never repeated, since it may be a document number. A
// record with neither statuses nor scans costs a warning. Warnings are
// reported only for records that are kept. A payload that
// is not UTF-8 or not this envelope is a payload-level error.
//
// # Encode
//
// Encode writes one record per person (recordId P and the person's index,
// from 1). It fails for what the format cannot say: a document type without
// an idType (dcc_holder), a colour outside the three, a reason without an
// enumeration (visited_risk_area is the hub's to derive), an event of any
// kind but venue_scan, a status or event outside Zhejiang or in a region
// other than the batch's, a missing record ID, issue time or start, and
// times finer than a millisecond. Sample yields people shaped to the
// format: every document type idType names, milliseconds, venue scans with
// and without coordinates or a leave time, and visitors who only scanned.
package zhejiang
