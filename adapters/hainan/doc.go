// Package hainan is the adapter for 海南健康码, the Hainan health code
// (region 460000), format ID "hainan".
//
// # What is real and what is invented
//
// The system, its colours, and the island's arrival checks at the ports
// and airports (入琼查验) are real. The file layout is not public: the
// fixed-width export below is invented, modelled on what the code showed
// and on the mainframe-style exports of provincial systems (fixed-length
// records, header and trailer, double-byte text counted in bytes).
//
// # Payload
//
// GB18030 text (GBK, its subset, reads the same), one record per line,
// every record exactly 200 bytes, lines ending in CRLF (LF is accepted;
// blank lines after the trailer are ignored). Widths count bytes: a
// Chinese character takes 2 bytes (4 for the rare ones outside GBK), so a
// 20-byte name holds 10 of them. Text is left-aligned and padded with
// spaces (low-values 0x00 and ideographic spaces U+3000 are also taken as
// padding); codes and numbers are fixed digits; a blank field is absent.
// Offsets are 0-based byte offsets.
//
// Header, first line:
//
//	off len name      content
//	  0   1 REC-TYPE  H
//	  1   8 FILE-ID   HNJKM001
//	  9   6 REGION    GB/T 2260 code of the issuing system, 46xxxx
//	 15  20 BATCH-ID  batch ID, printable ASCII, may be blank
//	 35  12 CREATED   yyyyMMddHHmm, may be blank
//	 47 153 FILLER
//
// Status record, one per health-code status:
//
//	off len name        content                              v1
//	  0   1 REC-TYPE    D
//	  1  20 REC-ID      record ID, printable ASCII           source.record_id
//	 21  20 NAME        name, GB18030                        never read into v1
//	 41   2 DOC-TYPE    01..06 (below)
//	 43  18 DOC-NO      document number                      subject
//	 61   1 COLOR-CD    1 green, 2 yellow, 3 red             color, local.code
//	 62   4 COLOR-LBL   绿码 | 黄码 | 红码 or blank           local.label
//	 66  12 ISSUED-AT   yyyyMMddHHmm                         issued_at
//	 78  12 VALID-TO    yyyyMMddHHmm or blank                valid_until
//	 90   8 REASON-CDS  four 2-digit reason codes, 00 empty  reasons
//	 98   1 NAT-RESULT  0 negative, 1 positive, 2 pending    nat.result
//	 99  12 NAT-SAMPLED yyyyMMddHHmm or blank                nat.sampled_at
//	111  40 NAT-LAB     laboratory, GB18030                  nat.lab
//	151   2 VAX-DOSES   00..20 or blank                      vaccination.doses
//	153   8 VAX-LAST    yyyyMMdd or blank                    vaccination.last_dose_at
//	161  39 FILLER
//
// Event record, belonging to the D record before it:
//
//	off len name        content                              v1
//	  0   1 REC-TYPE    E
//	  1  20 EV-ID       event ID, printable ASCII            source.record_id
//	 21   1 EV-KIND     1..4 (below)                         kind
//	 22  24 PLACE-ID    place ID, printable ASCII            place.id
//	 46  40 PLACE-NAME  place name, GB18030                  place.name
//	 86   9 PLACE-RGN   6- or 9-digit division code          place.region
//	 95  12 EV-START    yyyyMMddHHmm                         start
//	107  12 EV-END      yyyyMMddHHmm or blank                end
//	119  10 PLACE-LAT   ±DD.dddddd or blank                  place.lat
//	129  11 PLACE-LON   ±DDD.dddddd or blank                 place.lon
//	140  60 FILLER
//
// Trailer, last line:
//
//	off len name       content
//	  0   1 REC-TYPE   T
//	  1   8 REC-COUNT  number of lines between header and trailer, 8 digits
//	  9 191 FILLER
//
// For example (shortened; spaces pad every record to 200 bytes):
//
//	HHNJKM001460000HN-20220104-0001    202201041500
//	DHN2022010400001     符海燕              0146010519791204567X1绿码2022010409002022010509000117000002022010318 ...
//	EHNE2201040001       1HK-PORT-XINHAI          新海港入琼查验点                        460105   2022010406302022 ...
//	T00000002
//
// # Mapping decisions
//
//   - Record boundaries. A native record is a D line and the E lines after
//     it; Index counts these from 0. A line of any other type starts a
//     record of its own, which is rejected (an E line with no D before it,
//     an unknown type). A line that is not 200 bytes rejects its record
//     naming the line; when the line reads as UTF-8 the error says so
//     (Chinese takes 3 bytes there). A bad E line rejects the whole record,
//     D line included, since a record is kept or rejected whole.
//   - Character boundaries. Each line is walked one GB18030 character at a
//     time; a character that would end past its field (a 2-byte name cut
//     after its first byte, a 4-byte character across a boundary) rejects
//     the record naming the field: a width must never split a character.
//     Bytes that are not GB18030 do the same. FILLER is not read.
//   - Header and trailer are payload-level: a missing or malformed header,
//     a region outside 46, a missing trailer (a file cut short), or a
//     REC-COUNT that differs from the lines between header and trailer
//     (malformed ones included) fail the whole payload. A UTF-8 byte order
//     mark does too.
//   - Documents, DOC-TYPE: 01 resident_id (15-digit numbers upgraded by the
//     schema; check digit and birth date verified), 02 passport, 03
//     hk_macau_permit, 04 taiwan_permit, 05 hk_id, 06 macau_id.
//   - Colours. COLOR-CD gives the colour and local.code; local.label is the
//     system's label for it. COLOR-LBL may be blank; when given it must be
//     that label, or the record is rejected.
//   - Reasons, code → v1: 01 nat_negative_48h, 02 nat_negative_72h, 03
//     nat_negative, 04 nat_positive, 05 nat_pending, 06 nat_overdue, 07
//     confirmed_case, 08 close_contact, 09 secondary_contact, 10
//     from_risk_area, 11 home_quarantine, 12 central_quarantine, 13
//     inbound_traveller, 14 fever_clinic, 15 cannot_confirm, 16
//     no_abnormality, 17 vaccinated, 18 recovered, 19 risk_group. 00 and
//     blanks are empty slots; another code rejects the record.
//     visited_risk_area has no code: the hub derives it.
//   - Event kinds, EV-KIND: 1 checkpoint (入琼查验 at a port or airport), 2
//     venue_scan (场所码), 3 transit (flight, ship, train), 4 stay (hotel
//     registration). carrier_city has no code.
//   - Times are Beijing time to the minute, written without zone, and keep
//     +08:00.
//   - Test and vaccination. A blank NAT-RESULT means no nat; NAT-SAMPLED or
//     NAT-LAB without it rejects the record. Blank VAX-DOSES means no
//     vaccination.
//   - Regions. The statuses and events take the header REGION (the batch
//     region); places keep their own PLACE-RGN.
//   - Coordinates. Blank means absent (v1 treats 0 as absent too).
//   - IDs. source.system is "hn-jkm"; events use EV-ID. The batch ID is
//     DecodeOptions.BatchID, else BATCH-ID, else adapters.PayloadBatchID.
//
// # Encode
//
// Encode writes a header (REGION 460000; BATCH-ID and CREATED from
// EncodeOptions.At when set), one D record per status with the person's
// events as E records after the first, and the trailer. Times are written
// to the minute, seconds dropped, as the system stores them. Names longer
// than 20 bytes are cut at a character boundary (names never reach v1).
// It fails on what the layout cannot say: a region other than 460000, a
// colour, result, reason, document type or event kind without a code,
// more than four reasons, IDs or document numbers that are not printable
// ASCII or do not fit, a lab or place name longer than its field,
// coordinates with more than six decimals.
//
// Sample generates people the layout can carry (all six document types,
// the four event kinds at places in Hainan, times to the minute) for
// region simulators and the development cluster.
package hainan
