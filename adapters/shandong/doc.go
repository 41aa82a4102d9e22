// Package shandong is the adapter for 山东健康通行码, the Shandong health
// pass code (region 370000), format ID "shandong".
//
// # What is real and what is invented
//
// The system, its colours and its Simplified Chinese labels are real, and
// so is the habit of exchanging batches as GBK CSV files opened in
// spreadsheets. The column set below is not public: it is invented,
// modelled on what the code showed (colour, reason, test result, sampling
// time and laboratory, vaccination) and on the CSV batch exports of the
// time.
//
// # Payload
//
// A CSV file (encoding/csv rules: comma separator, double-quoted fields
// that may hold commas, quotes and line breaks) in GBK; GB18030, its
// superset, is accepted, so rare name characters outside GBK decode too.
// The first row names the columns in Chinese:
//
//	记录编号,姓名,证件类型,证件号码,健康码颜色,赋码原因,赋码时间,有效期至,核酸检测结果,采样时间,检测机构,疫苗接种剂次,末次接种日期
//	SD2022010400002,王秀英,居民身份证,370102780512321,黄码,"密切接触者,核酸结果待出",2022-01-04 11:20:00,2022-01-11 11:20:00,待出结果,2022-01-04 10:05:00,"青岛市市立医院（东院区），检验科",2,2021-08-15
//
// Columns (* required), found by name in any order:
//
//	记录编号      record ID, printable ASCII        → source.record_id
//	姓名          name                              never read into v1
//	证件类型*     document type (below)
//	证件号码*     document number                   → subject
//	健康码颜色*   绿码 | 黄码 | 红码                → color, local
//	赋码原因      reason labels                     → reasons
//	赋码时间*     yyyy-MM-dd HH:mm:ss               → issued_at
//	有效期至      yyyy-MM-dd HH:mm:ss               → valid_until
//	核酸检测结果  阴性 | 阳性 | 待出结果            → nat.result
//	采样时间      yyyy-MM-dd HH:mm:ss               → nat.sampled_at
//	检测机构      laboratory                        → nat.lab
//	疫苗接种剂次  0 to 20                           → vaccination.doses
//	末次接种日期  yyyy-MM-dd                        → vaccination.last_dose_at
//
// Other columns (手机号码, 现住址, ...) are allowed and never read.
//
// # Mapping decisions
//
//   - Encoding. The payload is decoded from GB18030 before the CSV is
//     parsed; commas, quotes and line ends are ASCII and no GBK trail byte
//     takes those values, so field boundaries are the same either way.
//     Bytes that are not GBK/GB18030 in a field the adapter reads reject
//     the record, naming the line and the column; in the header row they
//     fail the payload.
//   - UTF-8 given by mistake is detected and refused, not decoded: the
//     header names are Chinese, and their GBK bytes are never valid UTF-8,
//     so a header row that is valid UTF-8 and not plain ASCII means a UTF-8
//     file; so does a UTF-8 byte order mark followed by valid UTF-8. The
//     error says which, so the region can fix its export. A UTF-8 byte
//     order mark followed by GBK (some tools prepend one whatever the
//     encoding) and a GB18030 byte order mark are skipped.
//   - Rows. CRLF and LF line ends are both read. Blank lines and rows of
//     empty cells (what spreadsheets leave under the data) are skipped and
//     take no record index. A row with fewer fields than the header, with
//     non-empty fields beyond it, or with broken quoting is rejected with
//     its line. Errors give the CSV line of the field (a quoted field can
//     start lines after its record) and the column name as the field.
//   - Header. Names are trimmed; a required column missing or a known
//     column given twice fails the payload, naming the column.
//   - Documents. 居民身份证 → resident_id (15-digit first-generation numbers
//     are accepted and upgraded by the schema; GB 11643 check digit and birth
//     date verified), 港澳台居民居住证 → resident_id (its numbers are GB 11643
//     numbers with prefix 810000, 820000 or 830000), 护照 → passport,
//     往来港澳通行证 → hk_macau_permit, 台湾居民来往大陆通行证 →
//     taiwan_permit. 港澳居民来往内地通行证 and 外国人永久居留身份证 have no v1
//     document type and are rejected as such.
//   - Spreadsheet damage. A 证件号码 written to keep a spreadsheet from
//     turning it into a number ('370102..., "=""370102...""", or wrapped in
//     tabs) is read as the number. One a spreadsheet already turned into
//     scientific notation (3.70102E+17) has lost its last digits: the record
//     is rejected with that reason. Times a spreadsheet rewrote as
//     yyyy/M/d H:mm(:ss), and dates as yyyy/M/d, are read too.
//   - Colours. 绿码/黄码/红码 → green/yellow/red. The export has labels and no
//     codes, so local.label and local.code both hold the label.
//   - Reasons, label → code: 48小时核酸阴性 nat_negative_48h, 72小时核酸阴性
//     nat_negative_72h, 核酸阴性 nat_negative, 核酸阳性 nat_positive,
//     核酸结果待出 nat_pending, 未按要求核酸检测 nat_overdue,
//     确诊病例或无症状感染者 confirmed_case, 密切接触者 close_contact,
//     次密切接触者 secondary_contact, 中高风险地区来鲁 from_risk_area,
//     居家健康监测 home_quarantine, 集中隔离医学观察 central_quarantine,
//     入境人员 inbound_traveller, 发热门诊就诊 fever_clinic, 无法确认
//     cannot_confirm, 未见异常 no_abnormality, 已完成疫苗接种 vaccinated,
//     康复人员 recovered, 风险人员 risk_group. Labels are separated by any of
//     , ， 、 ; ； (a field holding commas must be quoted). An unknown label
//     rejects the record. visited_risk_area has no label: the hub derives it.
//   - Times are Beijing time without zone and keep +08:00.
//   - Test and vaccination. An empty 核酸检测结果 means no nat; 采样时间 or
//     检测机构 without it rejects the record. An empty 疫苗接种剂次 means no
//     vaccination.
//   - IDs. source.system is "sd-jkm". When 记录编号 is absent or empty the
//     record ID is derived as "sd-", the first 16 hex digits of the subject,
//     "-" and 赋码时间 as yyyyMMddHHmmss: stable for the same status, and
//     carrying nothing a document number could be read back from. The
//     export has no batch ID: it is DecodeOptions.BatchID or
//     adapters.PayloadBatchID. Status region is 370000.
//   - The export carries no events.
//
// # Encode
//
// Encode writes the header row and one row per status with every column
// above, CRLF line ends, in GB18030 (byte for byte GBK for every character
// GBK has). It fails on what the export cannot say: a region other than
// 370000, a colour, reason, result or document type without a label
// (hk_id and macau_id have none here), a record ID that is not printable
// ASCII. Events have no column and are left out. Times are written to the
// second.
//
// Sample generates people the export can carry (its four document types,
// statuses only) for region simulators and the development cluster.
package shandong
