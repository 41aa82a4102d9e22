package schema

import (
	"strings"
	"testing"
)

func TestLookupDivision(t *testing.T) {
	tests := []struct {
		code     string
		wantCode string
		wantName string
		level    Level
	}{
		{"610100", "610100", "西安市", LevelPrefecture},
		{"610113", "610100", "西安市", LevelPrefecture},    // county → prefecture
		{"610113001", "610100", "西安市", LevelPrefecture}, // township → prefecture
		{"610000", "610000", "陕西省", LevelProvince},
		{"619999", "610000", "陕西省", LevelProvince}, // unknown prefecture → province
		{"110105", "110000", "北京市", LevelProvince}, // municipality district
		{"110100", "110000", "北京市", LevelProvince}, // statistical 市辖区 code
		{"500235", "500000", "重庆市", LevelProvince},
		{"429004", "429004", "仙桃市", LevelCounty},
		{"429004100", "429004", "仙桃市", LevelCounty},
		{"429099", "420000", "湖北省", LevelProvince}, // 省直辖 group code is no division
		{"659011", "659011", "新星市", LevelCounty},
		{"540600", "540600", "那曲市", LevelPrefecture},
		{"152900", "152900", "阿拉善盟", LevelPrefecture},
		{"232700", "232700", "大兴安岭地区", LevelPrefecture},
		{"710000", "710000", "台湾省", LevelProvince},
		{"710100", "710000", "台湾省", LevelProvince},
		{"810000", "810000", "香港特别行政区", LevelProvince},
		{"820005", "820000", "澳门特别行政区", LevelProvince},
		{"371202", "370000", "山东省", LevelProvince}, // 莱芜 was merged into 济南 in 2019
	}
	for _, tt := range tests {
		d, ok := LookupDivision(tt.code)
		if !ok {
			t.Errorf("LookupDivision(%q) not found", tt.code)
			continue
		}
		if d.Code != tt.wantCode || d.Name != tt.wantName || d.Level != tt.level {
			t.Errorf("LookupDivision(%q) = %s %s %v, want %s %s %v", tt.code, d.Code, d.Name, d.Level, tt.wantCode, tt.wantName, tt.level)
		}
	}
	for _, bad := range []string{"", "61010", "6101000", "61011300", "6101130010", "61011300a", "610113001001", "990000", "000000", "６１０１００"} {
		if d, ok := LookupDivision(bad); ok {
			t.Errorf("LookupDivision(%q) = %s, want not found", bad, d.Code)
		}
	}
}

func TestDivisionByName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"西安市", "610100"},
		{"西安", "610100"},
		{"陕西省西安市", "610100"},
		{"陕西西安", "610100"},
		{"陕西省西安", "610100"},
		{"陕西西安市", "610100"},
		{" 陕西省西安市 ", "610100"},
		{"\u3000西安\u3000", "610100"},
		{"陕西省", "610000"},
		{"陕西", "610000"},
		{"内蒙古", "150000"},
		{"内蒙古自治区", "150000"},
		{"内蒙古呼和浩特", "150100"},
		{"内蒙古自治区锡林郭勒盟", "152500"},
		{"锡林郭勒", "152500"},
		{"北京市", "110000"},
		{"北京", "110000"},
		{"重庆", "500000"},
		{"香港", "810000"},
		{"香港特别行政区", "810000"},
		{"澳门", "820000"},
		{"台湾省", "710000"},
		// Short names shared by a province and a prefecture give the province.
		{"吉林", "220000"},
		{"吉林市", "220200"},
		{"吉林吉林", "220200"},
		{"吉林省吉林市", "220200"},
		{"海南", "460000"},
		{"海南藏族自治州", "632500"},
		{"青海海南", "632500"},
		{"海南州", "632500"},
		{"恩施州", "422800"},
		{"湖北恩施", "422800"},
		{"博州", "652700"},
		{"巴州", "652800"},
		{"克州", "653000"},
		{"湖北省仙桃市", "429004"},
		{"仙桃", "429004"},
		{"海南省定安县", "469021"},
		{"新疆石河子", "659001"},
		{"朝阳市", "211300"},
	}
	for _, tt := range tests {
		d, ok := DivisionByName(tt.name)
		if !ok || d.Code != tt.want {
			t.Errorf("DivisionByName(%q) = %q, %v; want %s", tt.name, d.Code, ok, tt.want)
		}
	}
	for _, bad := range []string{"", "火星市", "陕西省北京市", "西安市市", "广东西安", "北京市北京市"} {
		if d, ok := DivisionByName(bad); ok {
			t.Errorf("DivisionByName(%q) = %s %s, want not found", bad, d.Code, d.Name)
		}
	}
}

// TestDivisionNamesResolve checks every spelling DivisionByName documents
// for every division, so a new line in the table cannot shadow another.
func TestDivisionNamesResolve(t *testing.T) {
	sharedShort := map[string]string{"吉林": "220000", "海南": "460000"}
	for _, d := range Divisions() {
		check := func(name string) {
			t.Helper()
			if got, ok := DivisionByName(name); !ok || got.Code != d.Code {
				t.Errorf("DivisionByName(%q) = %s, want %s", name, got.Code, d.Code)
			}
		}
		check(d.Name)
		if want, shared := sharedShort[d.Short]; !shared || want == d.Code {
			check(d.Short)
		}
		if d.Level == LevelProvince {
			continue
		}
		p, _ := LookupDivision(Province(d.Code))
		check(p.Name + d.Name)
		check(p.Short + d.Short)
		check(p.Name + d.Short)
		check(p.Short + d.Name)
	}
}

func TestAncestors(t *testing.T) {
	tests := []struct{ code, province, prefecture string }{
		{"610113001", "610000", "610100"},
		{"610113", "610000", "610100"},
		{"610100", "610000", "610100"},
		{"610000", "610000", ""},
		{"110105", "110000", "110000"},
		{"110000", "110000", "110000"},
		{"120101001", "120000", "120000"},
		{"810000", "810000", "810000"},
		{"429004", "420000", "429004"},
		{"429004100", "420000", "429004"},
		{"469021", "460000", "469021"},
		{"460105", "460000", "460100"},
		{"429099", "420000", ""},
		{"619900", "610000", ""},
		{"710000", "710000", ""},
		{"990000", "", ""},
		{"61011", "", ""},
		{"abcdef", "", ""},
	}
	for _, tt := range tests {
		if got := Province(tt.code); got != tt.province {
			t.Errorf("Province(%q) = %q, want %q", tt.code, got, tt.province)
		}
		if got := Prefecture(tt.code); got != tt.prefecture {
			t.Errorf("Prefecture(%q) = %q, want %q", tt.code, got, tt.prefecture)
		}
	}
}

func TestContainsRegion(t *testing.T) {
	tests := []struct {
		area, place string
		want        bool
	}{
		{"610000", "610113", true},
		{"610000", "610113001", true},
		{"610100", "610113", true},
		{"610100", "610113001", true},
		{"610113", "610113001", true},
		{"610113", "610113", true},
		{"610113001", "610113001", true},
		{"610113000", "610113001", true}, // a zero township part pads a county code
		{"610113001", "610113002", false},
		{"610113001", "610113", false}, // a county does not lie in one of its streets
		{"610113", "610100", false},
		{"610100", "610000", false},
		{"610100", "610200", false},
		{"610000", "620100", false},
		{"110000", "110105", true},
		{"110100", "110105", true},
		{"429004", "429005", false},
		{"420000", "429004", true},
		{"", "610113", false},
		{"610100", "", false},
		{"6101", "610113", false},
		{"61010a", "610113", false},
		{"610100", "6101130", false},
	}
	for _, tt := range tests {
		if got := ContainsRegion(tt.area, tt.place); got != tt.want {
			t.Errorf("ContainsRegion(%q, %q) = %v, want %v", tt.area, tt.place, got, tt.want)
		}
	}
}

func TestDivisionTable(t *testing.T) {
	all := Divisions()
	codes := map[string]bool{}
	names := map[string]bool{}
	count := map[Level]int{}
	prefectures := map[string]int{}
	for i, d := range all {
		if len(d.Code) != 6 || !digits(d.Code) || d.Code[0] == '0' {
			t.Errorf("%s %s: code not six digits", d.Code, d.Name)
		}
		if i > 0 && all[i-1].Code >= d.Code {
			t.Errorf("%s follows %s: not in code order", d.Code, all[i-1].Code)
		}
		if codes[d.Code] {
			t.Errorf("code %s twice", d.Code)
		}
		codes[d.Code] = true
		if names[d.Name] {
			t.Errorf("name %s twice", d.Name)
		}
		names[d.Name] = true
		if d.Short == "" || d.Short == d.Name || !strings.HasPrefix(d.Name, d.Short) {
			t.Errorf("%s %s: short name %q is not a prefix of the name", d.Code, d.Name, d.Short)
		}
		// China's extent, including 三沙 in the South China Sea.
		if d.Lat < 3.8 || d.Lat > 53.6 || d.Lon < 73.5 || d.Lon > 135.1 {
			t.Errorf("%s %s: %.2f,%.2f outside China", d.Code, d.Name, d.Lat, d.Lon)
		}
		if d.Level == LevelProvince {
			if d.Code[2:] != "0000" {
				t.Errorf("%s is a province with a prefecture code", d.Code)
			}
		} else {
			if _, ok := codes[d.Code[:2]+"0000"]; !ok {
				t.Errorf("%s %s has no province before it", d.Code, d.Name)
			}
			prefectures[d.Code[:2]+"0000"]++
		}
		count[d.Level]++
		if got, ok := LookupDivision(d.Code); !ok || got != d {
			t.Errorf("LookupDivision(%s) = %+v, want %+v", d.Code, got, d)
		}
	}
	// 34 province-level divisions; 333 prefecture-level ones (293 cities,
	// 7 地区, 30 自治州, 3 盟) as of 2021-2022.
	if count[LevelProvince] != 34 || count[LevelPrefecture] != 333 {
		t.Errorf("%d provinces and %d prefectures, want 34 and 333", count[LevelProvince], count[LevelPrefecture])
	}
	for _, d := range all {
		if d.Level != LevelProvince {
			continue
		}
		switch {
		case d.Code == "710000":
			if prefectures[d.Code] != 0 || Prefecture(d.Code) != "" {
				t.Errorf("Taiwan has city-level divisions in the table")
			}
		case cityProvinces[d.Code]:
			if prefectures[d.Code] != 0 || Prefecture(d.Code) != d.Code {
				t.Errorf("%s %s: a city-province must stand for itself", d.Code, d.Name)
			}
		default:
			if prefectures[d.Code] == 0 {
				t.Errorf("%s %s has no prefecture", d.Code, d.Name)
			}
		}
	}
	all[0].Name = "changed"
	if d, _ := LookupDivision(all[0].Code); d.Name == "changed" {
		t.Error("Divisions returned the table itself, not a copy")
	}
}

func TestParseDivisionsErrors(t *testing.T) {
	tests := []struct{ data, want string }{
		{"610000 陕西省 陕西 34.34", "want code"},
		{"61000 陕西省 陕西 34.34 108.94", "not six digits"},
		{"610000 陕西省 陕西 north 108.94", "latitude"},
		{"610000 陕西省 陕西 34.34 east", "longitude"},
		{"610000 陕西省 陕西 34.34 108.94\n610000 陕西省 陕西 34.34 108.94", "out of order"},
		{"610100 西安市 西安 34.34 108.94", "has no province"},
		{"610000 陕西省 陕西 34.34 108.94\n610100 陕西省 西安 34.34 108.94", "used twice"},
	}
	for _, tt := range tests {
		_, err := parseDivisions(tt.data)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseDivisions(%q) error = %v, want %q", tt.data, err, tt.want)
		}
	}
}

func TestLevelString(t *testing.T) {
	for l, want := range map[Level]string{LevelProvince: "province", LevelPrefecture: "prefecture", LevelCounty: "county", 9: "Level(9)"} {
		if got := l.String(); got != want {
			t.Errorf("Level(%d).String() = %q, want %q", int(l), got, want)
		}
	}
}

func BenchmarkDivisionByName(b *testing.B) {
	names := []string{"陕西省西安市", "北京市", "陕西西安", "湖北省仙桃市", "新疆维吾尔自治区伊犁哈萨克自治州"}
	for i := 0; b.Loop(); i++ {
		if _, ok := DivisionByName(names[i%len(names)]); !ok {
			b.Fatal("not found")
		}
	}
}
