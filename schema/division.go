package schema

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Level is the tier of an administrative division in GB/T 2260.
type Level int

// Division levels held by the division table.
const (
	// LevelProvince is a province, autonomous region, municipality or
	// special administrative region (省级), code NN0000.
	LevelProvince Level = 1
	// LevelPrefecture is a prefecture-level city, prefecture, autonomous
	// prefecture or league (地级), code NNNN00.
	LevelPrefecture Level = 2
	// LevelCounty is a county-level division. The table holds only those
	// a province administers directly (省直辖县级, such as 仙桃市 or the
	// Xinjiang Production and Construction Corps cities), because they
	// stand where a prefecture would in a city-level itinerary.
	LevelCounty Level = 3
)

// String returns the level's name: "province", "prefecture" or "county".
func (l Level) String() string {
	switch l {
	case LevelProvince:
		return "province"
	case LevelPrefecture:
		return "prefecture"
	case LevelCounty:
		return "county"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// Division is one entry of the GB/T 2260 table.
//
// The table holds every province-level division (34, including 台湾省,
// 香港特别行政区 and 澳门特别行政区), every prefecture-level division of the
// mainland as of 2021-2022, and the county-level divisions administered
// directly by a province. The four municipalities and the two special
// administrative regions are cities in their own right: they have no
// prefecture entries (the statistical 市辖区/县 codes such as 110100 are left
// out) and stand for themselves wherever a city is asked for.
//
// Lat and Lon (WGS 84, degrees) place the division's seat (for a province,
// its capital; for a prefecture, the central city) to within a few tenths
// of a degree: enough to draw an itinerary on a map, not to geocode.
type Division struct {
	Code  string // six digits, e.g. "610100"
	Name  string // official name, e.g. "西安市", "内蒙古自治区"
	Short string // short name, e.g. "西安", "内蒙古"
	Level Level
	Lat   float64
	Lon   float64
}

// LookupDivision returns the division of a 6-digit GB/T 2260 code or a
// 9-digit township code. A code the table does not hold resolves to its
// nearest known ancestor: the 6-digit county prefix, then the prefecture
// (first four digits + "00"), then the province (first two + "0000"). So
// "610113001" (a street of 雁塔区) and "610113" both give 西安市, and
// "110105" gives 北京市. The result is false for a malformed code or one
// whose province is unknown.
func LookupDivision(code string) (Division, bool) {
	if !wellFormedRegion(code) {
		return Division{}, false
	}
	t := divisions()
	for _, c := range [...]string{code[:6], code[:4] + "00", code[:2] + "0000"} {
		if d, ok := t.byCode[c]; ok {
			return *d, true
		}
	}
	return Division{}, false
}

// DivisionByName finds a division by its official name ("西安市"), its
// short name ("西安"), a province followed by a city in any mix of full
// and short forms ("陕西省西安市", "陕西西安", "陕西省西安"), and, for
// autonomous prefectures, the customary short form with 州 ("恩施州",
// "博州"). Surrounding spaces are ignored. Two short names are shared by a
// province and a prefecture: "吉林" and "海南" give the province; write
// "吉林吉林" or "青海海南" for the prefecture.
func DivisionByName(name string) (Division, bool) {
	name = strings.TrimSpace(name)
	if d, ok := divisions().byName[name]; ok {
		return *d, true
	}
	return Division{}, false
}

// Province returns the 6-digit code of the province-level division that
// contains code, or "" when code is malformed or its province unknown.
func Province(code string) string {
	if !wellFormedRegion(code) {
		return ""
	}
	p := code[:2] + "0000"
	if _, ok := divisions().byCode[p]; !ok {
		return ""
	}
	return p
}

// Prefecture returns the 6-digit code of the city-level division that
// contains code: its prefecture; the county-level city itself for one a
// province administers directly (429004 仙桃市); the municipality or
// special administrative region itself for those (110105 gives 110000).
// It returns "" for a malformed code, for a province code, and where no
// city-level division is known (Taiwan, or an unknown prefecture).
func Prefecture(code string) string {
	if !wellFormedRegion(code) {
		return ""
	}
	t := divisions()
	if d, ok := t.byCode[code[:6]]; ok && d.Level == LevelCounty {
		return d.Code
	}
	if d, ok := t.byCode[code[:4]+"00"]; ok && d.Level == LevelPrefecture {
		return d.Code
	}
	if p := code[:2] + "0000"; cityProvinces[p] {
		return p
	}
	return ""
}

// cityProvinces are the province-level divisions that are single cities.
var cityProvinces = map[string]bool{
	"110000": true, // 北京市
	"120000": true, // 天津市
	"310000": true, // 上海市
	"500000": true, // 重庆市
	"810000": true, // 香港特别行政区
	"820000": true, // 澳门特别行政区
}

// ContainsRegion reports whether place lies in area, both GB/T 2260 codes of
// 6 or 9 digits. It is the design's rule "the place's region code starts
// with the area's region code" applied to the area's significant prefix:
// the zeros that only pad a code to its length do not count, so 610000 (陕西
// 省) contains 610113 (雁塔区) and 610100 (西安市) contains 610113001 (a
// street of 雁塔区). A larger place never lies in a smaller area (610100
// does not lie in 610113), and malformed codes lie nowhere.
func ContainsRegion(area, place string) bool {
	if !wellFormedRegion(area) || !wellFormedRegion(place) {
		return false
	}
	return strings.HasPrefix(place, significantPrefix(area))
}

func significantPrefix(code string) string {
	if len(code) == 9 {
		if code[6:] != "000" {
			return code
		}
		code = code[:6]
	}
	switch {
	case code[2:] == "0000":
		return code[:2]
	case code[4:] == "00":
		return code[:4]
	}
	return code
}

func wellFormedRegion(code string) bool {
	return (len(code) == 6 || len(code) == 9) && digits(code)
}

// Divisions returns a copy of the table ordered by code.
func Divisions() []Division {
	t := divisions()
	out := make([]Division, len(t.list))
	copy(out, t.list)
	return out
}

type divisionTable struct {
	list   []Division // ordered by code
	byCode map[string]*Division
	byName map[string]*Division
}

// divisions parses divisionData once. The data is compiled in, so a
// malformed line is a build defect and panics; the tests parse it too.
var divisions = sync.OnceValue(func() *divisionTable {
	t, err := parseDivisions(divisionData)
	if err != nil {
		panic("schema: division table: " + err.Error())
	}
	return t
})

func parseDivisions(data string) (*divisionTable, error) {
	t := &divisionTable{byCode: map[string]*Division{}, byName: map[string]*Division{}}
	type extra struct {
		i       int
		aliases []string
	}
	var extras []extra
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 5 {
			return nil, fmt.Errorf("line %d: want code, name, short name, lat, lon", n+1)
		}
		d := Division{Code: f[0], Name: f[1], Short: f[2]}
		if len(d.Code) != 6 || !digits(d.Code) {
			return nil, fmt.Errorf("line %d: code %q is not six digits", n+1, d.Code)
		}
		switch {
		case d.Code[2:] == "0000":
			d.Level = LevelProvince
		case d.Code[4:] == "00":
			d.Level = LevelPrefecture
		default:
			d.Level = LevelCounty
		}
		var err error
		if d.Lat, err = strconv.ParseFloat(f[3], 64); err != nil {
			return nil, fmt.Errorf("line %d: latitude: %w", n+1, err)
		}
		if d.Lon, err = strconv.ParseFloat(f[4], 64); err != nil {
			return nil, fmt.Errorf("line %d: longitude: %w", n+1, err)
		}
		if len(t.list) > 0 && t.list[len(t.list)-1].Code >= d.Code {
			return nil, fmt.Errorf("line %d: code %s out of order", n+1, d.Code)
		}
		t.list = append(t.list, d)
		extras = append(extras, extra{len(t.list) - 1, f[5:]})
	}
	for i := range t.list {
		t.byCode[t.list[i].Code] = &t.list[i]
	}
	// Names are indexed from the most to the least specific form, and a
	// less specific form never displaces a more specific one: an official
	// name beats a province+city spelling, which beats a short name, and a
	// province's short name beats a prefecture's ("吉林").
	add := func(key string, d *Division) {
		if _, taken := t.byName[key]; !taken {
			t.byName[key] = d
		}
	}
	for i := range t.list {
		d := &t.list[i]
		if _, dup := t.byName[d.Name]; dup {
			return nil, fmt.Errorf("name %s used twice", d.Name)
		}
		t.byName[d.Name] = d
	}
	for i := range t.list {
		d := &t.list[i]
		if d.Level == LevelProvince {
			continue
		}
		p, ok := t.byCode[d.Code[:2]+"0000"]
		if !ok {
			return nil, fmt.Errorf("%s %s has no province", d.Code, d.Name)
		}
		for _, pn := range [...]string{p.Name, p.Short} {
			add(pn+d.Name, d)
			add(pn+d.Short, d)
		}
	}
	for _, lv := range [...]Level{LevelProvince, LevelPrefecture, LevelCounty} {
		for _, e := range extras {
			d := &t.list[e.i]
			if d.Level != lv {
				continue
			}
			add(d.Short, d)
			if strings.HasSuffix(d.Name, "自治州") {
				add(d.Short+"州", d)
			}
			for _, a := range e.aliases {
				add(a, d)
			}
		}
	}
	return t, nil
}

// divisionData is the table, one division a line in code order: code,
// official name, short name, latitude and longitude of the seat, then any
// further names it is known by. Codes and names follow GB/T 2260 as
// published for 2021-2022 (after 莱芜市 was merged into 济南市 and before
// 白杨市 was set up); 自治州 also answer to their short name with 州, which
// needs no alias here.
const divisionData = `
110000 北京市 北京 39.90 116.41
120000 天津市 天津 39.13 117.20
130000 河北省 河北 38.04 114.51
130100 石家庄市 石家庄 38.04 114.51
130200 唐山市 唐山 39.63 118.18
130300 秦皇岛市 秦皇岛 39.94 119.60
130400 邯郸市 邯郸 36.63 114.54
130500 邢台市 邢台 37.07 114.50
130600 保定市 保定 38.87 115.46
130700 张家口市 张家口 40.82 114.89
130800 承德市 承德 40.95 117.96
130900 沧州市 沧州 38.30 116.84
131000 廊坊市 廊坊 39.54 116.68
131100 衡水市 衡水 37.74 115.67
140000 山西省 山西 37.87 112.55
140100 太原市 太原 37.87 112.55
140200 大同市 大同 40.08 113.30
140300 阳泉市 阳泉 37.86 113.58
140400 长治市 长治 36.20 113.12
140500 晋城市 晋城 35.49 112.85
140600 朔州市 朔州 39.33 112.43
140700 晋中市 晋中 37.69 112.75
140800 运城市 运城 35.03 111.01
140900 忻州市 忻州 38.42 112.73
141000 临汾市 临汾 36.09 111.52
141100 吕梁市 吕梁 37.52 111.14
150000 内蒙古自治区 内蒙古 40.84 111.75
150100 呼和浩特市 呼和浩特 40.84 111.75
150200 包头市 包头 40.66 109.84
150300 乌海市 乌海 39.66 106.79
150400 赤峰市 赤峰 42.26 118.89
150500 通辽市 通辽 43.65 122.24
150600 鄂尔多斯市 鄂尔多斯 39.61 109.78
150700 呼伦贝尔市 呼伦贝尔 49.21 119.77
150800 巴彦淖尔市 巴彦淖尔 40.74 107.39
150900 乌兰察布市 乌兰察布 41.00 113.13
152200 兴安盟 兴安 46.08 122.04
152500 锡林郭勒盟 锡林郭勒 43.93 116.05
152900 阿拉善盟 阿拉善 38.85 105.73
210000 辽宁省 辽宁 41.80 123.43
210100 沈阳市 沈阳 41.80 123.43
210200 大连市 大连 38.91 121.61
210300 鞍山市 鞍山 41.11 122.99
210400 抚顺市 抚顺 41.88 123.96
210500 本溪市 本溪 41.29 123.77
210600 丹东市 丹东 40.00 124.35
210700 锦州市 锦州 41.10 121.13
210800 营口市 营口 40.67 122.24
210900 阜新市 阜新 42.02 121.67
211000 辽阳市 辽阳 41.27 123.24
211100 盘锦市 盘锦 41.12 122.07
211200 铁岭市 铁岭 42.29 123.84
211300 朝阳市 朝阳 41.57 120.45
211400 葫芦岛市 葫芦岛 40.71 120.84
220000 吉林省 吉林 43.82 125.32
220100 长春市 长春 43.82 125.32
220200 吉林市 吉林 43.84 126.55
220300 四平市 四平 43.17 124.35
220400 辽源市 辽源 42.89 125.14
220500 通化市 通化 41.73 125.94
220600 白山市 白山 41.94 126.42
220700 松原市 松原 45.14 124.83
220800 白城市 白城 45.62 122.84
222400 延边朝鲜族自治州 延边 42.89 129.51
230000 黑龙江省 黑龙江 45.80 126.53
230100 哈尔滨市 哈尔滨 45.80 126.53
230200 齐齐哈尔市 齐齐哈尔 47.35 123.92
230300 鸡西市 鸡西 45.30 130.97
230400 鹤岗市 鹤岗 47.35 130.30
230500 双鸭山市 双鸭山 46.65 131.16
230600 大庆市 大庆 46.59 125.10
230700 伊春市 伊春 47.73 128.84
230800 佳木斯市 佳木斯 46.80 130.32
230900 七台河市 七台河 45.77 131.00
231000 牡丹江市 牡丹江 44.55 129.63
231100 黑河市 黑河 50.25 127.53
231200 绥化市 绥化 46.65 126.97
232700 大兴安岭地区 大兴安岭 50.41 124.12
310000 上海市 上海 31.23 121.47
320000 江苏省 江苏 32.06 118.80
320100 南京市 南京 32.06 118.80
320200 无锡市 无锡 31.49 120.31
320300 徐州市 徐州 34.21 117.28
320400 常州市 常州 31.81 119.97
320500 苏州市 苏州 31.30 120.58
320600 南通市 南通 31.98 120.89
320700 连云港市 连云港 34.60 119.22
320800 淮安市 淮安 33.61 119.02
320900 盐城市 盐城 33.35 120.16
321000 扬州市 扬州 32.39 119.41
321100 镇江市 镇江 32.19 119.42
321200 泰州市 泰州 32.46 119.92
321300 宿迁市 宿迁 33.96 118.28
330000 浙江省 浙江 30.27 120.15
330100 杭州市 杭州 30.27 120.15
330200 宁波市 宁波 29.87 121.55
330300 温州市 温州 28.00 120.70
330400 嘉兴市 嘉兴 30.75 120.76
330500 湖州市 湖州 30.89 120.09
330600 绍兴市 绍兴 30.00 120.58
330700 金华市 金华 29.08 119.65
330800 衢州市 衢州 28.97 118.87
330900 舟山市 舟山 30.00 122.21
331000 台州市 台州 28.66 121.42
331100 丽水市 丽水 28.47 119.92
340000 安徽省 安徽 31.82 117.23
340100 合肥市 合肥 31.82 117.23
340200 芜湖市 芜湖 31.35 118.43
340300 蚌埠市 蚌埠 32.92 117.39
340400 淮南市 淮南 32.63 117.00
340500 马鞍山市 马鞍山 31.67 118.51
340600 淮北市 淮北 33.96 116.80
340700 铜陵市 铜陵 30.95 117.81
340800 安庆市 安庆 30.54 117.06
341000 黄山市 黄山 29.71 118.34
341100 滁州市 滁州 32.30 118.32
341200 阜阳市 阜阳 32.89 115.81
341300 宿州市 宿州 33.65 116.96
341500 六安市 六安 31.74 116.52
341600 亳州市 亳州 33.84 115.78
341700 池州市 池州 30.66 117.49
341800 宣城市 宣城 30.94 118.76
350000 福建省 福建 26.07 119.30
350100 福州市 福州 26.07 119.30
350200 厦门市 厦门 24.48 118.09
350300 莆田市 莆田 25.45 119.01
350400 三明市 三明 26.26 117.64
350500 泉州市 泉州 24.87 118.68
350600 漳州市 漳州 24.51 117.65
350700 南平市 南平 26.64 118.18
350800 龙岩市 龙岩 25.08 117.02
350900 宁德市 宁德 26.67 119.55
360000 江西省 江西 28.68 115.86
360100 南昌市 南昌 28.68 115.86
360200 景德镇市 景德镇 29.27 117.18
360300 萍乡市 萍乡 27.62 113.85
360400 九江市 九江 29.71 116.00
360500 新余市 新余 27.82 114.92
360600 鹰潭市 鹰潭 28.26 117.07
360700 赣州市 赣州 25.83 114.93
360800 吉安市 吉安 27.11 114.99
360900 宜春市 宜春 27.81 114.42
361000 抚州市 抚州 27.95 116.36
361100 上饶市 上饶 28.45 117.94
370000 山东省 山东 36.65 117.12
370100 济南市 济南 36.65 117.12
370200 青岛市 青岛 36.07 120.38
370300 淄博市 淄博 36.81 118.05
370400 枣庄市 枣庄 34.81 117.32
370500 东营市 东营 37.43 118.67
370600 烟台市 烟台 37.46 121.45
370700 潍坊市 潍坊 36.71 119.16
370800 济宁市 济宁 35.41 116.59
370900 泰安市 泰安 36.20 117.09
371000 威海市 威海 37.51 122.12
371100 日照市 日照 35.42 119.53
371300 临沂市 临沂 35.10 118.36
371400 德州市 德州 37.44 116.36
371500 聊城市 聊城 36.46 115.99
371600 滨州市 滨州 37.38 117.97
371700 菏泽市 菏泽 35.23 115.48
410000 河南省 河南 34.75 113.63
410100 郑州市 郑州 34.75 113.63
410200 开封市 开封 34.80 114.31
410300 洛阳市 洛阳 34.62 112.45
410400 平顶山市 平顶山 33.77 113.19
410500 安阳市 安阳 36.10 114.39
410600 鹤壁市 鹤壁 35.75 114.30
410700 新乡市 新乡 35.30 113.93
410800 焦作市 焦作 35.22 113.24
410900 濮阳市 濮阳 35.76 115.03
411000 许昌市 许昌 34.04 113.85
411100 漯河市 漯河 33.58 114.02
411200 三门峡市 三门峡 34.77 111.20
411300 南阳市 南阳 32.99 112.53
411400 商丘市 商丘 34.41 115.66
411500 信阳市 信阳 32.15 114.09
411600 周口市 周口 33.63 114.70
411700 驻马店市 驻马店 33.01 114.02
419001 济源市 济源 35.07 112.60
420000 湖北省 湖北 30.59 114.31
420100 武汉市 武汉 30.59 114.31
420200 黄石市 黄石 30.20 115.04
420300 十堰市 十堰 32.63 110.80
420500 宜昌市 宜昌 30.69 111.29
420600 襄阳市 襄阳 32.01 112.12
420700 鄂州市 鄂州 30.39 114.89
420800 荆门市 荆门 31.04 112.20
420900 孝感市 孝感 30.92 113.96
421000 荆州市 荆州 30.33 112.24
421100 黄冈市 黄冈 30.45 114.87
421200 咸宁市 咸宁 29.84 114.32
421300 随州市 随州 31.69 113.38
422800 恩施土家族苗族自治州 恩施 30.27 109.49
429004 仙桃市 仙桃 30.36 113.45
429005 潜江市 潜江 30.40 112.90
429006 天门市 天门 30.66 113.17
429021 神农架林区 神农架 31.74 110.68
430000 湖南省 湖南 28.23 112.94
430100 长沙市 长沙 28.23 112.94
430200 株洲市 株洲 27.83 113.13
430300 湘潭市 湘潭 27.83 112.94
430400 衡阳市 衡阳 26.89 112.57
430500 邵阳市 邵阳 27.24 111.47
430600 岳阳市 岳阳 29.36 113.13
430700 常德市 常德 29.03 111.70
430800 张家界市 张家界 29.12 110.48
430900 益阳市 益阳 28.55 112.36
431000 郴州市 郴州 25.77 113.01
431100 永州市 永州 26.42 111.61
431200 怀化市 怀化 27.55 110.00
431300 娄底市 娄底 27.70 112.00
433100 湘西土家族苗族自治州 湘西 28.31 109.74
440000 广东省 广东 23.13 113.26
440100 广州市 广州 23.13 113.26
440200 韶关市 韶关 24.81 113.60
440300 深圳市 深圳 22.54 114.06
440400 珠海市 珠海 22.27 113.58
440500 汕头市 汕头 23.35 116.68
440600 佛山市 佛山 23.02 113.12
440700 江门市 江门 22.58 113.08
440800 湛江市 湛江 21.27 110.36
440900 茂名市 茂名 21.66 110.93
441200 肇庆市 肇庆 23.05 112.47
441300 惠州市 惠州 23.11 114.42
441400 梅州市 梅州 24.29 116.12
441500 汕尾市 汕尾 22.79 115.38
441600 河源市 河源 23.74 114.70
441700 阳江市 阳江 21.86 111.98
441800 清远市 清远 23.68 113.06
441900 东莞市 东莞 23.02 113.75
442000 中山市 中山 22.52 113.39
445100 潮州市 潮州 23.66 116.62
445200 揭阳市 揭阳 23.55 116.37
445300 云浮市 云浮 22.92 112.04
450000 广西壮族自治区 广西 22.82 108.37
450100 南宁市 南宁 22.82 108.37
450200 柳州市 柳州 24.33 109.42
450300 桂林市 桂林 25.27 110.29
450400 梧州市 梧州 23.48 111.28
450500 北海市 北海 21.48 109.12
450600 防城港市 防城港 21.69 108.35
450700 钦州市 钦州 21.98 108.65
450800 贵港市 贵港 23.11 109.60
450900 玉林市 玉林 22.65 110.18
451000 百色市 百色 23.90 106.62
451100 贺州市 贺州 24.40 111.57
451200 河池市 河池 24.69 108.09
451300 来宾市 来宾 23.75 109.22
451400 崇左市 崇左 22.38 107.36
460000 海南省 海南 20.04 110.20
460100 海口市 海口 20.04 110.20
460200 三亚市 三亚 18.25 109.51
460300 三沙市 三沙 16.83 112.34
460400 儋州市 儋州 19.52 109.58
469001 五指山市 五指山 18.78 109.52
469002 琼海市 琼海 19.26 110.47
469005 文昌市 文昌 19.54 110.80
469006 万宁市 万宁 18.80 110.39
469007 东方市 东方 19.10 108.65
469021 定安县 定安 19.68 110.36
469022 屯昌县 屯昌 19.35 110.10
469023 澄迈县 澄迈 19.74 110.01
469024 临高县 临高 19.91 109.69
469025 白沙黎族自治县 白沙 19.22 109.45
469026 昌江黎族自治县 昌江 19.30 109.06
469027 乐东黎族自治县 乐东 18.75 109.17
469028 陵水黎族自治县 陵水 18.51 110.04
469029 保亭黎族苗族自治县 保亭 18.64 109.70
469030 琼中黎族苗族自治县 琼中 19.03 109.84
500000 重庆市 重庆 29.56 106.55
510000 四川省 四川 30.57 104.07
510100 成都市 成都 30.57 104.07
510300 自贡市 自贡 29.34 104.78
510400 攀枝花市 攀枝花 26.58 101.72
510500 泸州市 泸州 28.87 105.44
510600 德阳市 德阳 31.13 104.40
510700 绵阳市 绵阳 31.47 104.68
510800 广元市 广元 32.44 105.84
510900 遂宁市 遂宁 30.53 105.59
511000 内江市 内江 29.58 105.06
511100 乐山市 乐山 29.55 103.77
511300 南充市 南充 30.84 106.11
511400 眉山市 眉山 30.08 103.85
511500 宜宾市 宜宾 28.75 104.64
511600 广安市 广安 30.46 106.63
511700 达州市 达州 31.21 107.47
511800 雅安市 雅安 29.98 103.01
511900 巴中市 巴中 31.87 106.75
512000 资阳市 资阳 30.13 104.63
513200 阿坝藏族羌族自治州 阿坝 31.90 102.22
513300 甘孜藏族自治州 甘孜 30.05 101.96
513400 凉山彝族自治州 凉山 27.88 102.27
520000 贵州省 贵州 26.65 106.63
520100 贵阳市 贵阳 26.65 106.63
520200 六盘水市 六盘水 26.59 104.83
520300 遵义市 遵义 27.73 106.93
520400 安顺市 安顺 26.25 105.95
520500 毕节市 毕节 27.30 105.29
520600 铜仁市 铜仁 27.73 109.19
522300 黔西南布依族苗族自治州 黔西南 25.09 104.90
522600 黔东南苗族侗族自治州 黔东南 26.58 107.98
522700 黔南布依族苗族自治州 黔南 26.25 107.52
530000 云南省 云南 25.04 102.71
530100 昆明市 昆明 25.04 102.71
530300 曲靖市 曲靖 25.49 103.80
530400 玉溪市 玉溪 24.35 102.55
530500 保山市 保山 25.11 99.16
530600 昭通市 昭通 27.34 103.72
530700 丽江市 丽江 26.86 100.23
530800 普洱市 普洱 22.79 100.97
530900 临沧市 临沧 23.88 100.09
532300 楚雄彝族自治州 楚雄 25.04 101.53
532500 红河哈尼族彝族自治州 红河 23.36 103.37
532600 文山壮族苗族自治州 文山 23.40 104.22
532800 西双版纳傣族自治州 西双版纳 22.01 100.80
532900 大理白族自治州 大理 25.61 100.27
533100 德宏傣族景颇族自治州 德宏 24.43 98.59
533300 怒江傈僳族自治州 怒江 25.82 98.86
533400 迪庆藏族自治州 迪庆 27.83 99.71
540000 西藏自治区 西藏 29.65 91.13
540100 拉萨市 拉萨 29.65 91.13
540200 日喀则市 日喀则 29.27 88.88
540300 昌都市 昌都 31.14 97.17
540400 林芝市 林芝 29.65 94.36
540500 山南市 山南 29.24 91.77
540600 那曲市 那曲 31.48 92.05
542500 阿里地区 阿里 32.50 80.11
610000 陕西省 陕西 34.34 108.94
610100 西安市 西安 34.34 108.94
610200 铜川市 铜川 34.90 108.95
610300 宝鸡市 宝鸡 34.36 107.24
610400 咸阳市 咸阳 34.33 108.71
610500 渭南市 渭南 34.50 109.51
610600 延安市 延安 36.59 109.49
610700 汉中市 汉中 33.07 107.02
610800 榆林市 榆林 38.29 109.73
610900 安康市 安康 32.68 109.03
611000 商洛市 商洛 33.87 109.94
620000 甘肃省 甘肃 36.06 103.83
620100 兰州市 兰州 36.06 103.83
620200 嘉峪关市 嘉峪关 39.77 98.29
620300 金昌市 金昌 38.52 102.19
620400 白银市 白银 36.54 104.14
620500 天水市 天水 34.58 105.72
620600 武威市 武威 37.93 102.64
620700 张掖市 张掖 38.93 100.45
620800 平凉市 平凉 35.54 106.67
620900 酒泉市 酒泉 39.73 98.49
621000 庆阳市 庆阳 35.71 107.64
621100 定西市 定西 35.58 104.63
621200 陇南市 陇南 33.40 104.92
622900 临夏回族自治州 临夏 35.60 103.21
623000 甘南藏族自治州 甘南 34.98 102.91
630000 青海省 青海 36.62 101.78
630100 西宁市 西宁 36.62 101.78
630200 海东市 海东 36.48 102.40
632200 海北藏族自治州 海北 36.96 100.90
632300 黄南藏族自治州 黄南 35.52 102.02
632500 海南藏族自治州 海南 36.29 100.62
632600 果洛藏族自治州 果洛 34.47 100.24
632700 玉树藏族自治州 玉树 33.00 97.01
632800 海西蒙古族藏族自治州 海西 37.37 97.37
640000 宁夏回族自治区 宁夏 38.49 106.23
640100 银川市 银川 38.49 106.23
640200 石嘴山市 石嘴山 38.98 106.38
640300 吴忠市 吴忠 37.99 106.20
640400 固原市 固原 36.02 106.24
640500 中卫市 中卫 37.50 105.19
650000 新疆维吾尔自治区 新疆 43.83 87.62
650100 乌鲁木齐市 乌鲁木齐 43.83 87.62
650200 克拉玛依市 克拉玛依 45.58 84.89
650400 吐鲁番市 吐鲁番 42.95 89.19
650500 哈密市 哈密 42.82 93.52
652300 昌吉回族自治州 昌吉 44.01 87.31
652700 博尔塔拉蒙古自治州 博尔塔拉 44.91 82.07 博州
652800 巴音郭楞蒙古自治州 巴音郭楞 41.76 86.15 巴州
652900 阿克苏地区 阿克苏 41.17 80.26
653000 克孜勒苏柯尔克孜自治州 克孜勒苏 39.71 76.17 克州
653100 喀什地区 喀什 39.47 75.99
653200 和田地区 和田 37.11 79.92
654000 伊犁哈萨克自治州 伊犁 43.92 81.32
654200 塔城地区 塔城 46.75 82.98
654300 阿勒泰地区 阿勒泰 47.84 88.14
659001 石河子市 石河子 44.31 86.08
659002 阿拉尔市 阿拉尔 40.55 81.28
659003 图木舒克市 图木舒克 39.87 79.07
659004 五家渠市 五家渠 44.17 87.54
659005 北屯市 北屯 47.33 87.83
659006 铁门关市 铁门关 41.86 85.67
659007 双河市 双河 44.85 82.37
659008 可克达拉市 可克达拉 43.94 80.99
659009 昆玉市 昆玉 37.22 79.27
659010 胡杨河市 胡杨河 44.69 84.83
659011 新星市 新星 42.80 93.74
710000 台湾省 台湾 25.04 121.52
810000 香港特别行政区 香港 22.32 114.17
820000 澳门特别行政区 澳门 22.19 113.54
`
