// Package carrier decodes and encodes exports of the national itinerary
// card, 通信大数据行程卡, registered as format "carrier" for any region. The
// card was run by the Academy of Information and Communications Technology
// with China Mobile, China Unicom and China Telecom: from where a phone had
// been, it listed the cities its subscriber had reached or passed through
// in the last 14 days ("您于前14天内到达或途经：陕西省西安市*，北京市"). Each
// carrier exported its subscribers' cards in its own layout; this package
// reads all three and tells them apart by shape (source systems
// "xck-cmcc", "xck-cucc", "xck-ctcc").
//
// # What is real and what is invented
//
// Real: city-level granularity; the 14-day window, cut to 7 days from 00:00
// on 29 June 2022 (SevenDayCards), when the star was dropped too; the
// trailing "*" that marked a city with a medium or high risk area at the
// time, which the card itself said did not mean the subscriber had been in
// that area; the real-name registration (实名制) behind every number. The
// three layouts are invented, modelled on what the card showed and on how
// each carrier's systems of the time named things; the document type codes
// are invented too.
//
// # Payloads
//
// China Mobile: one JSON object; cities in full form separated by "，"
// (or ","), times "yyyy-MM-dd HH:mm:ss" Beijing time.
//
//	{"fileId": "CMCC-XCK-610000-20220110100000", "provCode": "610000",
//	 "genTime": "2022-01-10 10:00:00", "total": 1,
//	 "records": [{"seq": "000001", "msisdn": "13800000000",
//	   "certType": "01", "certNo": "610113198801010012", "custName": "王伟",
//	   "queryTime": "2022-01-10 09:00:00", "cities": "陕西省西安市*，北京市"}]}
//
//	fileId     export ID, the batch ID (required)
//	provCode   the receiving province, 6 digits, the batch region (required)
//	genTime    export time (not read); total: record count (a mismatch warns)
//	seq        record number within the export (required)
//	msisdn     phone number (never read)
//	certType   real-name document: 01 居民身份证, 02 护照, 04 台湾居民来往大陆
//	           通行证; 03 港澳居民来往内地通行证 and 05 外国人永久居留身份证
//	           have no v1 document type and are rejected
//	certNo     document number; custName: name (never read)
//	queryTime  when the card was generated
//	cities     the card's city list
//
// China Unicom: JSON lines, a header line first; cities in short form
// separated by "|", times "yyyyMMddHHmmss" Beijing time. A line that is
// not JSON costs only its own record.
//
//	{"file_no":"CU-XCK-61-20220110100000","prov_code":"61","create_time":"20220110100000","rec_num":1}
//	{"serial_no":"000001","user_number":"18600000000","cert_type":"ID_CARD","cert_code":"610113198801010012","cust_name":"王伟","query_time":"20220110090000","route":"陕西西安*|北京"}
//
//	file_no      export ID, the batch ID (required)
//	prov_code    the receiving province's two-digit prefix (required)
//	create_time  export time (not read); rec_num: record count (a mismatch warns)
//	serial_no    record number within the export (required)
//	user_number  phone number (never read)
//	cert_type    ID_CARD, PASSPORT, TW_PERMIT; HKMO_PERMIT (港澳居民来往内地
//	             通行证) is rejected
//	cert_code    document number; cust_name: name (never read)
//	query_time   when the card was generated
//	route        the card's city list
//
// China Telecom: one JSON object; cities in full form separated by "、",
// epoch milliseconds; each card may carry the stay in every city.
//
//	{"requestId": "CT-XCK-610000-20220110100000", "areaCode": "610000",
//	 "timestamp": 1641780000000,
//	 "data": [{"accNbr": "18900000000", "idType": "身份证",
//	   "idNbr": "610113198801010012", "custName": "王伟",
//	   "cardTime": 1641776400000, "trip": "陕西省西安市*、北京市",
//	   "stays": [{"arrive": 1641002400000, "leave": 1641549600000},
//	             {"arrive": 1641556800000}]}]}
//
//	requestId  export ID, the batch ID (required)
//	areaCode   the receiving province, 6 digits, the batch region (required)
//	timestamp  export time (not read)
//	accNbr     phone number (never read)
//	idType     身份证, 护照, 台胞证; 回乡证 (港澳居民来往内地通行证) is rejected
//	idNbr      document number; custName: name (never read)
//	cardTime   when the card was generated (required)
//	trip       the card's city list
//	stays      optional, one per city of trip in the same order: arrival and
//	           departure; no departure means still there at cardTime
//
// Telling them apart: a first line that is a JSON object with file_no is
// China Unicom's header; otherwise the payload must be one JSON object,
// China Mobile's if it has fileId, China Telecom's if it has requestId.
//
// # Mapping
//
// Subjects come from the real-name document only. The phone number and the
// name are never kept: their fields decode into nothing, so they cannot
// reach a record, a record ID or a message.
//
// Cities. Each name of the list resolves through schema.DivisionByName
// (full, short and province+city forms) to a city-level division: a
// prefecture, a municipality or special administrative region, or a county
// a province administers directly (湖北省仙桃市). An unknown name, a
// province, an empty entry or a misplaced star rejects the card. The
// message quotes a province, which is a known division's name, but
// describes an unknown name, or one with a misplaced star, by its length
// only: a person's name or a document number may stand in the field, whole
// or inside something that reads like a division (陕西省张伟市), and no
// rule on the text tells them apart. Each city yields a carrier_city
// event: place.id "CITY-<code>", name the division's official name,
// place.region its code, lat/lon its seat from the division table; the
// event region and the batch region are the receiving province.
//
// Times. With stays (China Telecom), an event runs from arrival to
// departure, or to cardTime when the phone is still there. Without, all the
// card can say is that the phone was in the city at some time in the
// window, so every city's event is the window: from 00:00 Beijing time on
// the first day (13 days before the query day; 6 from SevenDayCards on) to
// the query time (WindowStart). The day boundary gives every card of a
// person queried on one day the same start, and so the same event key in
// the hub, whose rule that a later record may only extend the end turns
// repeated queries into one event rather than a pile of them. A city listed
// twice in a window card yields one event.
//
// The star. A trailing "*" (or "＊") produces nothing: no status, no
// colour, no reason, and the same event as an unstarred city. It is not an
// observation about the subscriber: it says the city had a risk area
// somewhere in it when the card was generated, and the card itself said it
// did not mean the subscriber had been there. Turning it into a yellow, or
// into a from_risk_area status, would colour everyone who passed through a
// large city by a fact about a single street, the wrong colour the
// federation exists to prevent, and was the common complaint that led to
// the star's removal. Nothing is lost: the hub holds the risk areas
// themselves, at street level with their exact windows, and derives
// visited_risk_area from events that lie inside one, which a city-level
// event does only when a whole city is declared at risk. The card's arrow
// colour is not in any of the exports.
//
// Record IDs. China Mobile and China Unicom cards are "<export ID>-<record
// number>"; China Telecom's have no record number, so a card is
// "ctcc-<first 16 hex digits of the subject>-<cardTime in ms>", stable
// across re-exports and free of the phone number. An event is "<card
// ID>#<position of the city in the list, from 1>".
//
// Encode writes China Telecom's layout (with stays, so times survive);
// EncodeAs writes any of the three. It cannot write stars, statuses, other
// event kinds, places that are not city-level divisions, or documents
// other than resident_id, passport and taiwan_permit.
package carrier
