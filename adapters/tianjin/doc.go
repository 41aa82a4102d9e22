// Package tianjin decodes and encodes the venue scan log of Tianjin's
// health-code system, 津门战疫 (source system "tj-jmzy"), registered as
// format "tianjin" for region 120000.
//
// # What is real and what is invented
//
// Real: 津门战疫 issued place codes (场所码) to venues; visitors scanned
// them on entry, some venues also on exit, and the app showed the visitor's
// green, yellow or red code at the scan. Tianjin's venue codes were issued
// per district (和平区 120101 ... 蓟州区 120119). The export layout below is
// invented, modelled on what the system recorded and on the habits of
// Chinese government data exchange of the time: pinyin-abbreviated keys,
// strings for every scalar but coordinates, local time without a zone,
// documents in plain text with the Ministry of Public Security's document
// type codes. Venue codes of 12 digits (district + serial), the direction
// codes of smfx and the colour codes of mys are invented.
//
// # Payload
//
// One UTF-8 JSON object (a leading byte-order mark is skipped):
//
//	{
//	  "pch": "JMZY-CSM-20220110235959",
//	  "dcsj": "2022-01-10 23:59:59",
//	  "jls": 2,
//	  "smjl": [{
//	    "smid": "CSM2022011000000001",
//	    "csbm": "120101000123",
//	    "csmc": "滨江道购物中心",
//	    "qxdm": "120101",
//	    "jddm": "120101001",
//	    "jd": 117.2008, "wd": 39.1206,
//	    "smsj": "2022-01-10 08:10:23",
//	    "smfx": "1",
//	    "zjlx": "111",
//	    "zjhm": "120101199001011234",
//	    "xm": "王伟",
//	    "sjhm": "138****0000",
//	    "mys": "0"
//	  }, {
//	    "smid": "CSM2022011000000002",
//	    "csbm": "120101000123", "qxdm": "120101",
//	    "smsj": "2022-01-10 08:52:10",
//	    "smfx": "2",
//	    "zjlx": "111", "zjhm": "120101199001011234"
//	  }]
//	}
//
// Envelope:
//
//	pch   批次号, export batch number (optional; the batch ID when set)
//	dcsj  导出时间, export time (optional, not read)
//	jls   记录数, number of scans (optional; a mismatch is a warning)
//	smjl  扫码记录, the scans (required, may be empty)
//
// Scan:
//
//	smid  扫码记录ID, the scan's ID (required, at most 128 characters)
//	csbm  场所编码, venue code: 6-digit district code + 6-digit serial (required)
//	csmc  场所名称, venue name (optional)
//	qxdm  区县代码, the venue's district, 120101-120119 (required; must
//	      match the first six digits of csbm)
//	jddm  街道代码, the venue's street (乡镇街道), 9 digits under qxdm (optional)
//	jd    经度, venue longitude, number (optional, with wd)
//	wd    纬度, venue latitude, number (optional, with jd)
//	smsj  扫码时间, scan time, "yyyy-MM-dd HH:mm:ss" Beijing time (required)
//	smfx  扫码方向, "1" entry (进场, the default when absent) or "2" exit (离场)
//	lcsj  离场时间, exit time the venue recorded on an entry scan (optional)
//	zjlx  证件类型: 111 居民身份证, 414 普通护照, 511 台湾居民来往大陆通行证,
//	      513 往来港澳通行证 (required); 516 港澳居民来往内地通行证 and 990
//	      其他 are known but have no v1 document type and are rejected
//	zjhm  证件号码, document number in plain text (required)
//	xm    姓名, name (never read)
//	sjhm  手机号码, masked phone number (never read)
//	mys   码颜色, the code the app showed at the scan: "0" 绿码, "1" 黄码,
//	      "2" 红码 (optional)
//
// # Mapping
//
// Visits, not scans. Scans of one person (one subject) at one venue are
// folded into visits, and each visit yields one venue_scan event, carried
// by its first scan; folded scans are accepted and yield no event of their
// own. Taken in time order:
//
//   - an entry scan with lcsj is a whole visit, [smsj, lcsj];
//   - an exit scan closes the open visit (end = its smsj) if that visit
//     started at most ExitWindow (12 h) before; otherwise it is a visit of
//     its own that starts at the exit and has no end: the person was there
//     at that moment;
//   - an entry scan at most RepeatWindow (30 min) after the previous scan of
//     an open visit is a repeat (people rescanned when the app hung or to
//     show a guard) and extends the visit's end to it; otherwise it opens a
//     new visit with no end yet.
//
// One event with an end is what the hub's contact query needs (overlap of
// intervals), and the hub's key (subject, kind, place, start, system) would
// otherwise keep a repeat scan as a second visit. Pairing happens within
// one payload only: an exit exported in a later payload than its entry
// becomes a visit of its own. A visit's event keeps the venue name, street
// and coordinates of its first scan.
//
// Places. place.id is "<qxdm>-V-<last 6 digits of csbm>", e.g.
// "120101-V-000123"; place.region is jddm when present, else qxdm;
// lat/lon are jd/wd when present (they must lie in Tianjin; swapped
// coordinates are rejected as such) and are otherwise left out rather than
// guessed from the district. Event region and batch region are 120000.
//
// Colours. A scan with mys also yields a status: what Tianjin's system said
// of the person at that moment. Colour green, yellow or red with local
// label 绿码/黄码/红码 and code mys; issued_at = smsj; valid_until = smsj +
// 24 h (ObservedColorValidity), because the log does not say how long the
// colour held and an observation must not outlive the next day's own
// statuses; reasons: the log gives none, so green gets no_abnormality
// (nothing abnormal reported) and yellow or red get risk_group (listed,
// reason not stated). Folded scans keep their own status.
//
// Record IDs. source.record_id is smid, for the event (its first scan's)
// and for each status. Times are Beijing time and keep the +08:00 offset.
//
// Errors name the record (index, smid) and the field. They quote a bad
// value only when it cannot be a misplaced document or phone number: one
// with a run of seven or more letters and digits, four of them digits, is
// described by its length.
//
// Encode writes each event as one entry scan with lcsj set to its end, and
// the colour of the person's Tianjin status in force at the scan as mys. It
// cannot write statuses on their own, events of other kinds, places that
// are not Tianjin venues, fractions of a second, or hk_id, macau_id and
// dcc_holder documents.
package tianjin
