// Package beijing is the adapter for 北京健康宝 (Beijing Health Kit), the
// health-code system of Beijing (region 110000), registered as "beijing".
//
// # What is real and what is invented
//
// The status vocabulary is real: 健康宝 showed 未见异常 (nothing abnormal),
// 居家观察 (home observation), 集中观察 (centralised observation), or a
// pop-up (弹窗) in place of the code, numbered 弹窗1, 弹窗2 and 弹窗3, which
// the holder had to clear before any status was shown. The nucleic-acid
// result and the 场所码 (place code) scans were real features too. The export
// layout below is invented, modelled on what the app showed and on the
// pinyin-initial field names common in Beijing government data exchange; the
// system's own export was never published.
//
// # Payload
//
// One UTF-8 JSON object (a leading byte-order mark is tolerated):
//
//	{
//	  "pcbh": "JKB20220104090000",      批次号, batch number (optional)
//	  "scsj": 1641258000000,            生成时间, export time (informational, not read)
//	  "jls": [{                         记录, records
//	    "jlbh": "JKB0000000001",        记录编号, record number (required)
//	    "zjlx": "01",                   证件类型, document type code (required)
//	    "zjhm": "110105198503170028",   证件号码, document number (required)
//	    "xm": "张三",                    姓名, name (never read)
//	    "jkzt": "弹窗",                  健康状态, status text (required)
//	    "tclx": "2",                    弹窗类型, pop-up kind, only with 弹窗
//	    "ztsj": 1641258000000,          状态时间, status time (required)
//	    "yxq": 1641344400000,           有效期至, valid until (optional)
//	    "hsjc": {"jg": "阴性", "cysj": 1641200000000, "jcjg": "北京金域医学检验实验室"},
//	    "ymjz": {"zjs": 3, "mzsj": "2021-11-02"},
//	    "smjl": [{"lsh": "SM0000000001", "lx": "1", "csbm": "110105-V-000123",
//	              "csmc": "朝阳大悦城", "qh": "110105", "wd": 39.92, "jd": 116.52,
//	              "smsj": 1641260000000, "lksj": 1641263600000}]
//	  }]
//	}
//
// hsjc is the latest nucleic-acid test: jg 结果 (阴性, 阳性 or 待出结果),
// cysj 采样时间, jcjg 检测机构. ymjz is the vaccination record: zjs 针剂数
// (doses, required when ymjz is present), mzsj 末针时间 (YYYY-MM-DD). smjl are
// scans: lsh 流水号 (required), lx 类型 (1 place code, 2 entry checkpoint
// 进京检查站), csbm 场所编码 (required), csmc 场所名称, qh 区划 (GB/T 2260, 6
// or 9 digits), wd/jd latitude/longitude, smsj 扫码时间 (required), lksj
// 离开时间.
//
// Document type codes (zjlx): 01 resident_id (18 digits, or the 15-digit
// first-generation card, upgraded by the schema package), 02 passport, 03
// hk_macau_permit (往来港澳通行证), 04 taiwan_permit, 05 hk_id, 06 macau_id.
//
// # Mapping
//
//	jkzt       colour  reasons             local.label  local.code
//	未见异常   green   no_abnormality      未见异常     ""
//	居家观察   yellow  home_quarantine     居家观察     ""
//	集中观察   red     central_quarantine  集中观察     ""
//	弹窗 + N   yellow  cannot_confirm      弹窗N        N
//
// A pop-up is never green: it means the system could not vouch for the
// holder, and a federated green would let through exactly the people Beijing
// held back. Nor is it red: nothing is known against the holder, who can
// clear it. As commonly described at the time (Beijing's rules changed more
// than once), 弹窗1 could be cleared by the holder filing a 申诉 in the app,
// 弹窗2 needed the residential community (社区/村) to verify the holder, and
// 弹窗3 needed verification at district level. Yellow is the national colour
// for "not cleared, restricted until verified". All
// three kinds map alike; the kind survives in local.label and local.code. A
// pop-up whose kind is missing or unknown is kept as a pop-up (label 弹窗,
// code "") with a warning, because rejecting it would drop a yellow. A
// pop-up kind on a status other than 弹窗 is a contradiction and rejects the
// record (field tclx).
//
// 集中观察 maps to red rather than yellow because national rules gave the red
// code to people under centralised quarantine (close contacts and cases
// among them); none of them should pass a checkpoint anywhere.
//
// Reasons come from the status text alone. The NAT result is carried in the
// status's nat object but never changes the colour or adds a reason: the
// status is Beijing's verdict, and the adapter does not second-guess the
// region.
//
// Times are epoch milliseconds (instants) and are written out in Beijing time
// (+08:00). Values before 2020 or from 2100 on reject the record: they are
// seconds or microseconds written by mistake, not times of the health-code
// era.
//
// Source.System is "bj-jkb"; Source.RecordID is jlbh for the status and lsh
// for each scan. Every status and event has region 110000; a scan's place
// region is qh, or 110000 when qh is absent. The batch ID is the caller's,
// else pcbh, else one derived from the payload hash. A payload that is not
// UTF-8 (a GBK export, say), not a JSON object with a jls array, or whose
// pcbh exceeds 128 bytes is refused whole. A record with a field of the wrong
// JSON type is rejected naming the field, without array positions
// ("smjl.smsj"); the other records are kept.
// Messages quote a native value only when it is a short ASCII code with few
// digits, never a time, a name or anything that could be a document number.
//
// # What the format cannot carry
//
// Encode writes a status of any colour, but reasons only as the status text
// implies them: yellow becomes 居家观察 unless its reasons include
// cannot_confirm (then 弹窗, of the kind in local.code when that is 1-3);
// red becomes 集中观察. Other reasons (a close contact, a positive test) are
// lost. Statuses and events of other regions, event kinds other than
// venue_scan and checkpoint, and a latitude or longitude of exactly 0 cannot
// be written.
//
// Sample generates people the export can carry (all six document types,
// times to the millisecond, 场所码 scans at Beijing venues and checks at
// 进京检查站, some yellows as pop-ups of the three kinds) for region
// simulators and the development cluster.
package beijing
