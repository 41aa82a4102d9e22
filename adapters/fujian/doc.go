// Package fujian decodes and encodes the record feed of Fujian's health
// code, 八闽健康码 (served through the 闽政通 app; source system "fj-bmjkm"),
// registered as format "fujian" for region 350000.
//
// # What is real and what is invented
//
// The system is real: a province-wide green, yellow or red code with its
// reason, the latest nucleic-acid test and the vaccination record, all in
// Beijing time. Its interfaces were not published. The layout below is
// invented, modelled on the paginated JSON answers common to provincial
// government service platforms of the time: a {code, msg, data} wrapper
// with a page of results, camelCase keys, Chinese labels for document types
// and test results, and times as zoneless "yyyyMMddHHmmss" strings. The
// codeStatus numbers and reason codes are invented too.
//
// # Payload
//
// One UTF-8 JSON object:
//
//	{
//	  "code": 0,
//	  "msg": "success",
//	  "data": {
//	    "list": [{
//	      "id": "FJ2022010400000001",
//	      "name": "王伟",
//	      "certType": "身份证",
//	      "certNo": "350102198507071137",
//	      "codeStatus": 1,
//	      "reasonCodes": "01",
//	      "updateTime": "20220104090000",
//	      "expireTime": "20220105090000",
//	      "natResult": "阴性",
//	      "natTime": "20220103152000",
//	      "natOrg": "福建省立医院",
//	      "vaccineTimes": 3,
//	      "lastVaccineDate": "20211102"
//	    }],
//	    "total": 1,
//	    "page": 1,
//	    "pageSize": 100
//	  }
//	}
//
// Envelope: code (required; 0 is success), msg (the platform's message),
// data (required on success) with list (required, may be empty), total (the
// number of records of the whole query), page (from 1) and pageSize
// (optional).
//
// Record (one person's code as last updated):
//
//	id               record ID (required)
//	name             name (never read by Decode)
//	certType         document type, a Chinese label (required)
//	certNo           document number in plain text (required)
//	codeStatus       1 green, 2 yellow, 3 red, a JSON number (required)
//	reasonCodes      comma-separated two-digit reason codes (optional)
//	updateTime       when the colour was assigned (required)
//	expireTime       valid until (optional)
//	natResult        "阴性", "阳性" or "检测中" (optional)
//	natTime          sampling time of that test (optional)
//	natOrg           the testing institution (optional)
//	vaccineTimes     doses received, a JSON number (optional)
//	lastVaccineDate  date of the last dose, "yyyyMMdd" (optional)
//
// Unknown keys are ignored.
//
// # Mapping to schema v1
//
// Each record becomes one status; the format carries no events or risk
// areas.
//
//   - subject: certNo pseudonymised under the document type certType names:
//     身份证 resident_id (15-digit first-generation cards are upgraded to 18
//     digits), 护照 passport, 港澳通行证 hk_macau_permit, 台胞证 taiwan_permit,
//     香港身份证 hk_id, 澳门身份证 macau_id, 回乡证 (港澳居民来往内地通行证)
//     home_return_permit, 外国人永久居留身份证 foreign_permanent_resident_id.
//     The error of a bad number never repeats it.
//   - region: 350000 for the batch and every status; the province runs one
//     system and the payload names no region.
//   - color and local: codeStatus 1/2/3 is green/yellow/red (note: not the
//     0/1/2 of other systems); local keeps the label shown (绿码, 黄码, 红码)
//     and the number as a string. Any other number rejects the record.
//   - reasons: each code of reasonCodes maps to one schema reason code (see
//     reasonCodes); spaces around a code are ignored. A code not in the
//     table costs a warning and is left out, not the record.
//   - times: "yyyyMMddHHmmss" is Beijing time (UTC+8) whatever the decoding
//     machine's zone, and keeps the +08:00 offset. An expireTime before
//     updateTime rejects the record.
//   - nat: present when natResult is; 阴性/阳性/检测中 are negative/positive/
//     pending. natTime or natOrg without natResult cost a warning.
//   - vaccination: present when vaccineTimes is; lastVaccineDate becomes
//     YYYY-MM-DD. lastVaccineDate without vaccineTimes costs a warning.
//   - source: system "fj-bmjkm", record_id id.
//   - batch_id: DecodeOptions.BatchID, else a hash of the payload (the
//     envelope carries no batch identifier).
//
// A record that is null or {}, or holds a value of the wrong JSON type
// (certNo as a number, codeStatus as a string), is rejected naming the
// field; the offending value is never repeated, since it may be a document
// number. Warnings are reported only for records that are kept.
//
// # Payload-level errors and warnings
//
// A non-zero code is the platform reporting a failure: Decode returns an
// error naming the code and msg, whatever data holds. The msg is cut to 200
// characters, and every run of letters and digits holding six digits or
// more is replaced by *** since an upstream message may quote the document
// or phone number it failed on. A payload that is not UTF-8, not this
// envelope, or lacks data or list on success is a payload-level error too.
//
// A list whose length does not match total costs a warning with index -1
// (the envelope), not the batch: with page and pageSize the page is
// expected to hold min(pageSize, total-(page-1)*pageSize) records,
// otherwise total.
//
// # Encode
//
// Encode writes one page holding everything (code 0, page 1, pageSize and
// total the number of records), one record per status. It fails for what
// the format cannot say: a document type without a label (dcc_holder), a
// colour outside the three, a reason without a code (visited_risk_area is
// the hub's to derive), a status outside 350000, a missing record ID or
// issue time, and times finer than a second. Events are not written.
// Sample yields people shaped to the format: every document type certType
// names, whole seconds, no events.
package fujian
