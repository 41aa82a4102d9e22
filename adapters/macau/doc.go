// Package macau is the adapter for 澳門健康碼, the Macau health code run by
// the Health Bureau (衛生局) for Macau residents and visitors (region
// 820000), format ID "macau".
//
// # What is real and what is invented
//
// The system, its colours (綠碼, 黃碼, 紅碼), its use of Traditional Chinese
// and Big5 text, and the documents it was used with (澳門居民身份證 and,
// for mainland visitors, 往來港澳通行證) are real. The payload layout is
// not public: the export below is invented, modelled on what the system
// showed (colour, reason, test result and time, vaccination, venue-code
// scans) and on the key=value text exports Big5 systems of the time wrote.
//
// # Payload
//
// A text file in Big5 (as WHATWG defines it: Big5 with the HKSCS
// extension, which includes the Macau supplementary characters), lines
// ending in CRLF (LF is accepted). Line 1 is the magic line 澳門健康碼資料匯出;
// header lines key=value follow until the first record marker [記錄]; each
// record is the key=value lines up to the next marker. Blank lines are
// ignored; spaces around keys and values are trimmed.
//
//	澳門健康碼資料匯出
//	格式版本=1
//	批次編號=MO-20220104-0001
//	匯出時間=2022/01/04 15:00:00
//
//	[記錄]
//	記錄編號=MO2022010400001
//	姓名=許家豪
//	證件類型=澳門居民身份證
//	證件號碼=1234567(8)
//	健康碼=綠碼
//	賦碼原因=48小時內核酸陰性、已接種疫苗
//	簽發時間=2022/01/04 09:00:00
//	有效期至=2022/01/05 09:00:00
//	核酸結果=陰性
//	採樣時間=2022/01/03 18:30:00
//	檢測機構=仁伯爵綜合醫院
//	疫苗劑數=3
//	最後接種日期=2021/11/02
//	場所記錄=SC2201040001|MO-V-000123|鏡湖醫院|2022/01/04 08:10:00|2022/01/04 08:40:00
//
// Header keys: 格式版本 (required, must be 1), 批次編號 (optional batch ID),
// 匯出時間 (optional, checked, not used). Others are ignored.
//
// Record keys (* required):
//
//	記錄編號*    record ID, printable ASCII         → source.record_id
//	姓名         name                               never read into v1
//	證件類型*    document type (below)
//	證件號碼*    document number                    → subject
//	健康碼*      綠碼 | 黃碼 | 紅碼                 → color, local
//	賦碼原因     reason labels separated by 、      → reasons
//	簽發時間*    yyyy/MM/dd HH:mm:ss                → issued_at
//	有效期至     yyyy/MM/dd HH:mm:ss                → valid_until
//	核酸結果     陰性 | 陽性 | 待出結果             → nat.result
//	採樣時間     yyyy/MM/dd HH:mm:ss                → nat.sampled_at
//	檢測機構     laboratory                         → nat.lab
//	疫苗劑數     0 to 20                            → vaccination.doses
//	最後接種日期 yyyy/MM/dd                         → vaccination.last_dose_at
//	場所記錄     repeatable venue scan (below)      → events
//
// A venue scan is 掃碼編號|場所編號|場所名稱|進入時間|離開時間 (scan ID, place
// ID, place name, entry time, exit time; the name and exit time may be
// empty).
//
// # Mapping decisions
//
//   - Encoding. Keys and markers are matched as Big5 bytes; values holding
//     Chinese are decoded one by one. Bytes that are not Big5 in the header
//     fail the payload; in a record they reject the record, naming the line
//     and the key. The '=' of a line is found in the raw bytes, which is
//     safe because Big5 trail bytes are 0x40 and above; the venue fields
//     are split on '|' only after decoding, because 0x7C is a Big5 trail
//     byte (院 is B0 7C, so "醫院" holds a '|' byte). A payload whose first
//     line is the magic line in UTF-8 or GBK fails with an error that names
//     that encoding.
//   - Simplified Chinese. Labels are Traditional. A label in Simplified
//     characters (some, such as 阳 in 阳性, exist in Big5-HKSCS and so arrive
//     intact) is rejected with an error saying so, not guessed: it means the
//     record did not come from the Macau system unchanged. A key in
//     Simplified characters rejects the record for the same reason; other
//     unknown keys are ignored with a warning.
//   - Documents. 澳門居民身份證 → macau_id (printed 1234567(8); brackets,
//     full-width brackets and spaces are dropped, the number must be 8 digits
//     starting with 1, 5 or 7; the check digit algorithm is not public and
//     is not verified), 往來港澳通行證 → hk_macau_permit, 香港居民身份證 →
//     hk_id (check character verified), 護照 → passport. There is no mainland
//     resident ID: mainland visitors carry the permit.
//   - Colours. 綠碼/黃碼/紅碼 → green/yellow/red. The export has labels and no
//     codes, so local.label and local.code both hold the label.
//   - Reasons, label → code: 48小時內核酸陰性 nat_negative_48h,
//     72小時內核酸陰性 nat_negative_72h, 核酸陰性 nat_negative, 核酸陽性
//     nat_positive, 核酸結果待出 nat_pending, 未按規定進行核酸檢測 nat_overdue,
//     確診或無症狀感染者 confirmed_case, 密切接觸者 close_contact,
//     次密切接觸者 secondary_contact, 來自中高風險地區 from_risk_area,
//     居家醫學觀察 home_quarantine, 集中醫學觀察 central_quarantine, 入境人士
//     inbound_traveller, 曾到發熱門診 fever_clinic, 未能確認 cannot_confirm,
//     未見異常 no_abnormality, 已接種疫苗 vaccinated, 已康復 recovered,
//     風險人群 risk_group. 、 , and ， separate labels. An unknown label
//     rejects the record. visited_risk_area has no label: the hub derives it.
//   - Times. Macau time is UTC+8 all year, the offset of Beijing time, so
//     times are read in adapters.Beijing and keep +08:00.
//   - Test and vaccination. No 核酸結果 means no nat; 採樣時間 or 檢測機構
//     without it rejects the record. No 疫苗劑數 means no vaccination.
//   - Events. Every scan is a venue_scan with source.record_id = 掃碼編號.
//     The export has no division codes: place.region and the event region
//     are 820000. It has no coordinates.
//   - IDs. source.system is "mo-jkm"; the batch ID is DecodeOptions.BatchID,
//     else 批次編號, else adapters.PayloadBatchID.
//
// # Encode
//
// Encode writes one record per status, the person's events in the first
// one, CRLF line ends. It fails on what the export cannot say: a region
// other than 820000, a colour, reason, result, document type or event
// kind without a label, a record or scan ID that is not printable ASCII,
// text outside Big5 in a field that reaches v1 (lab, place name), '|' in a
// venue field. Coordinates have no field and are left out. Names are
// written with '?' for characters Big5 lacks, as Big5 systems did; names
// never reach v1. Times are written to the second.
//
// Sample generates people the export can carry (the four document types,
// venue scans at places in Macau with Traditional names) for region
// simulators and the development cluster.
package macau
