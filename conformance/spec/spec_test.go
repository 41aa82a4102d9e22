package spec

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPI checks that openapi.json is an OpenAPI 3.0 document that
// names every path, header and the bearer scheme of RIS/1, and whose
// references all resolve.
func TestOpenAPI(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Info    struct{ Version string }              `json:"info"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") || doc.Info.Version != Version {
		t.Errorf("openapi %q version %q, want 3.0.x and %s", doc.OpenAPI, doc.Info.Version, Version)
	}
	want := map[string]string{PathMetadata: "get", PathFeed: "get", PathStatus: "post", PathNotifications: "post"}
	for path, method := range want {
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("openapi.json does not describe %s %s", strings.ToUpper(method), path)
		}
	}
	for path := range doc.Paths {
		if _, ok := want[path]; !ok {
			t.Errorf("openapi.json describes %s, which RIS/1 does not have", path)
		}
	}
	text := string(OpenAPI)
	for _, s := range []string{HeaderNextCursor, HeaderRecords, HeaderFeedEnd, "Retry-After", "WWW-Authenticate", `"scheme": "bearer"`} {
		if !strings.Contains(text, s) {
			t.Errorf("openapi.json does not mention %s", s)
		}
	}
	var whole any
	if err := json.Unmarshal(OpenAPI, &whole); err != nil {
		t.Fatal(err)
	}
	for _, ref := range regexp.MustCompile(`"\$ref": "#/([^"]+)"`).FindAllStringSubmatch(text, -1) {
		node := whole
		for _, part := range strings.Split(ref[1], "/") {
			m, ok := node.(map[string]any)
			if !ok {
				node = nil
				break
			}
			node = m[part]
		}
		if node == nil {
			t.Errorf("reference #/%s does not resolve", ref[1])
		}
	}
}

var requirementID = regexp.MustCompile(`RIS-[A-Z]+-[0-9]{2}`)

// TestRequirementsMatchTheProse checks that the prose and Requirements
// name the same IDs, and that the prose gives each a rationale and says
// how the suite checks it.
func TestRequirementsMatchTheProse(t *testing.T) {
	var ids []string
	for _, r := range Requirements {
		if !requirementID.MatchString(r.ID) || r.Title == "" {
			t.Errorf("requirement %+v: malformed ID or no title", r)
		}
		if slices.Contains(ids, r.ID) {
			t.Errorf("requirement %s listed twice", r.ID)
		}
		ids = append(ids, r.ID)
		if got, ok := Lookup(r.ID); !ok || got != r {
			t.Errorf("Lookup(%s) = %+v, %v", r.ID, got, ok)
		}
	}
	if len(ids) != 19 {
		t.Errorf("%d requirements, want the 19 of RIS/1", len(ids))
	}
	for _, id := range requirementID.FindAllString(Prose, -1) {
		if !slices.Contains(ids, id) {
			t.Errorf("the prose names %s, which Requirements does not list", id)
		}
	}
	// Each requirement is defined once, in bold, followed by its rationale
	// and its check.
	for _, id := range ids {
		head := "**" + id + " "
		i := strings.Index(Prose, head)
		if i < 0 {
			t.Errorf("the prose does not define %s", id)
			continue
		}
		if strings.Count(Prose, head) != 1 {
			t.Errorf("the prose defines %s more than once", id)
		}
		section := Prose[i:]
		if next := strings.Index(section[len(head):], "\n**RIS-"); next >= 0 {
			section = section[:len(head)+next]
		}
		if !strings.Contains(section, "*Why:*") || !strings.Contains(section, "*Checked:*") {
			t.Errorf("%s has no rationale (*Why:*) or check (*Checked:*)", id)
		}
	}
	if _, ok := Lookup("RIS-NONE-99"); ok {
		t.Error("Lookup found a requirement that does not exist")
	}
}
