// Package shaanxi decodes and encodes the record feed of Xi'an's health-code
// system, 西安一码通 (source system "xa-ymt"), registered as format
// "shaanxi" for regions 610000 (Shaanxi) and 610100 (Xi'an).
//
// # What is real and what is invented
//
// The system, its colours and what it displayed are real: a colour, the
// reason for it, the latest nucleic-acid test (result 阴性/阳性/待出, sampling
// time, testing institution), the number of vaccine doses, all in Beijing
// time written without a zone. Its export layout was never published. The
// layout below is invented, modelled on what the system showed and on the
// habits of Chinese government data exchange of the time: keys are pinyin
// abbreviations of the Chinese field names, every scalar is a string, times
// are "yyyy-MM-dd HH:mm:ss" local time, and the resident ID travels in
// plain text. The codes of zjlx and the reason labels of fmyy are invented
// too.
//
// # Payload
//
// One UTF-8 JSON object:
//
//	{
//	  "pch": "xa-ymt-20220104090500",
//	  "xzqhdm": "610100",
//	  "jls": 1,
//	  "jllb": [{
//	    "jlid": "6101002022010400000001",
//	    "xm": "王伟",
//	    "zjlx": "01",
//	    "zjhm": "610113198801010012",
//	    "mys": "0",
//	    "fmyy": ["48小时内核酸检测阴性"],
//	    "fmsj": "2022-01-04 09:00:00",
//	    "yxqz": "2022-01-05 09:00:00",
//	    "hsjcjg": "阴性",
//	    "cysj": "2022-01-03 15:20:00",
//	    "jcjg": "西安市中心医院",
//	    "ymjzzc": "3",
//	    "mcjzrq": "2021-11-02"
//	  }]
//	}
//
// Envelope:
//
//	pch     批次号, batch number (optional)
//	xzqhdm  行政区划代码, GB/T 2260 code of the issuing region, 6 or 9 digits
//	        under 61 (required)
//	jls     记录数, number of records (optional)
//	jllb    记录列表, the records (required, may be empty)
//
// Record (one person's code as issued at one moment):
//
//	jlid    记录ID, the record's ID (required)
//	xm      姓名, name (never read by Decode)
//	zjlx    证件类型, document type code (required)
//	zjhm    证件号码, document number in plain text (required)
//	mys     码颜色, "0" green, "1" yellow, "2" red (required)
//	fmyy    赋码原因, list of reason labels (optional)
//	fmsj    赋码时间, when the colour was assigned (required)
//	yxqz    有效期至, valid until (optional)
//	hsjcjg  核酸检测结果, "阴性", "阳性" or "待出" (optional)
//	cysj    采样时间, sampling time of that test (optional)
//	jcjg    检测机构, the testing institution (optional)
//	ymjzzc  疫苗接种针次, doses received, a decimal string (optional)
//	mcjzrq  末次接种日期, date of the last dose, "yyyy-MM-dd" (optional)
//
// Unknown keys are ignored.
//
// # Mapping to schema v1
//
// Each record becomes one status; the format carries no events or risk
// areas.
//
//   - subject: zjhm pseudonymised under the document type zjlx names:
//     "01" 居民身份证 resident_id, "02" 护照 passport, "03" 往来港澳通行证
//     hk_macau_permit, "04" 台湾居民来往大陆通行证 taiwan_permit, "05" 香港居民身份证
//     hk_id, "06" 澳门居民身份证 macau_id, "07" 港澳居民来往内地通行证
//     home_return_permit, "08" 外国人永久居留身份证 foreign_permanent_resident_id.
//     Any other code rejects the record. A 15-digit first-generation resident
//     ID is accepted and upgraded to 18 digits before hashing, so a person
//     gets one subject whichever card they showed. A number that fails its
//     document's checks (check digit, birth date) rejects the record; the
//     error never repeats the number.
//   - region: xzqhdm, for the batch and every status.
//   - color and local: mys "0"/"1"/"2" is green/yellow/red; local keeps the
//     label the system displayed (绿码, 黄码, 红码) and the code as written.
//     Any other code rejects the record.
//   - reasons: each fmyy label maps to one schema reason code (see
//     reasonLabels). A label not in the table costs a warning and is left
//     out, not the record: the colour, not its explanation, is what a
//     checkpoint acts on. No fmyy gives an empty list.
//   - issued_at, valid_until, nat.sampled_at: the zoneless times are Beijing
//     time (UTC+8) whatever the decoding machine's zone, and keep the
//     +08:00 offset. A yxqz before fmsj rejects the record.
//   - nat: present when hsjcjg is; 阴性/阳性/待出 are negative/positive/
//     pending, anything else rejects the record. cysj or jcjg without
//     hsjcjg cost a warning and are dropped.
//   - vaccination: present when ymjzzc is; mcjzrq must be a calendar date.
//     mcjzrq without ymjzzc costs a warning and is dropped.
//   - source: system "xa-ymt", record_id jlid.
//   - batch_id: DecodeOptions.BatchID, else pch, else a hash of the payload.
//     A pch longer than the 128 bytes v1 allows costs a warning and the
//     hash is used.
//
// A record that is null or {}, or holds a value of the wrong JSON type
// (zjhm as a number, say), is rejected naming the field; the offending
// value is never repeated, since it may be a document number. Warnings are
// reported only for records that are kept. A jls that differs from the
// length of jllb costs a warning with index -1 (the envelope), not the
// batch. A payload that is not UTF-8 (the GBK
// exports of some systems) or not this envelope is a payload-level error.
//
// # Encode
//
// Encode writes one record per status. It fails for what the format cannot
// say: a document type without a zjlx code (dcc_holder), a colour outside
// the three, a reason without a label (visited_risk_area is the hub's to
// derive), a status outside Shaanxi or in a different region from the
// others, a missing record ID or issue time, and times finer than a second.
// Events are not written: the feed has no place for them. Sample yields
// people shaped to the format: every document type zjlx codes, whole
// seconds, no events.
package shaanxi
