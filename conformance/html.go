package conformance

import (
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/codefed/codefed/conformance/spec"
)

// WriteHTML writes the report as one self-contained HTML page (inline
// style, no script, nothing fetched from the network) that a regulator can
// open and archive: the verdict, the requirements, and per group each
// test with its message and, folded, its findings and HTTP exchanges.
func (r *Report) WriteHTML(w io.Writer) error {
	if err := reportPage.Execute(w, htmlView{r}); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}

type htmlView struct{ *Report }

// requirementRow is a requirement and the outcome of its tests.
type requirementRow struct {
	ID, Title string
	Required  bool
	Outcome   Outcome
	Tests     []string
}

// Requirements folds the tests' outcomes per requirement: a requirement
// fails when any required test of it fails, and is "not run" without tests.
func (v htmlView) Requirements() []requirementRow {
	var out []requirementRow
	tests := v.Tests()
	for _, req := range spec.Requirements {
		row := requirementRow{ID: req.ID, Title: req.Title, Required: req.Required}
		for _, t := range tests {
			if !slices.Contains(t.Requirements, req.ID) {
				continue
			}
			row.Tests = append(row.Tests, t.ID)
			row.Outcome = worse(row.Outcome, t.Outcome, t.Required)
		}
		out = append(out, row)
	}
	return out
}

// worse orders outcomes for a requirement: fail, error, skip, pass. An
// optional test that fails does not make its requirement fail.
func worse(cur, next Outcome, required bool) Outcome {
	if !required && next != Pass {
		next = Skip
	}
	rank := map[Outcome]int{"": 0, Pass: 1, Skip: 2, Error: 3, Fail: 4}
	if rank[next] > rank[cur] {
		return next
	}
	return cur
}

func (v htmlView) Duration() string {
	return v.Finished.Sub(v.Started).Round(100 * time.Millisecond).String()
}

func hostOf(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	return u.Host
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": strings.Join,
	"ms": func(v float64) string {
		if v >= 10000 {
			return fmt.Sprintf("%.1f s", v/1000)
		}
		return fmt.Sprintf("%.0f ms", v)
	},
	"rfc3339": func(t time.Time) string { return t.Format(time.RFC3339) },
	"outcome": func(o Outcome) string {
		if o == "" {
			return "not run"
		}
		return string(o)
	},
	"sortedKeys": func(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) },
	"statusKeys": func(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) },
	"upper":      strings.ToUpper,
}).Parse(reportTemplate))

const reportTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Spec}} conformance of {{.Target}}: {{upper .Verdict}}</title>
<style>
:root { --pass:#1a7f37; --fail:#cf222e; --error:#9a6700; --skip:#57606a; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif;
  margin: 0; color: #1f2328; background: #f6f8fa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; }
.sub { color: #57606a; margin: 0 0 16px; }
.banner { border-radius: 8px; padding: 18px 22px; color: #fff; margin: 16px 0; }
.banner.pass { background: var(--pass); }
.banner.fail { background: var(--fail); }
.banner .word { font-size: 28px; font-weight: 700; letter-spacing: .04em; }
.banner p { margin: 6px 0 0; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { background: #eaeef2; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.badge { display: inline-block; min-width: 52px; text-align: center; border-radius: 10px; padding: 1px 8px;
  color: #fff; font-size: 12px; font-weight: 600; text-transform: uppercase; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.error { background: var(--error); } .badge.skip, .badge.not { background: var(--skip); }
.optional { color: #57606a; font-style: italic; }
details { margin: 2px 0 6px; }
summary { cursor: pointer; color: #0969da; }
.findings { margin: 6px 0; padding-left: 20px; }
.findings li { margin: 2px 0; white-space: pre-wrap; }
table.ex { margin: 6px 0; font-size: 12.5px; }
table.ex { table-layout: fixed; }
table.ex td { border-bottom: 1px dashed var(--line); overflow-wrap: anywhere; }
table.ex th { white-space: nowrap; }
col.x-req { width: 32%; } col.x-status { width: 64px; } col.x-headers { width: 24%; } col.x-time { width: 70px; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; max-height: 240px; overflow: auto; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { color: #57606a; } dl.meta dd { margin: 0; }
tr.detail td { background: #fbfcfd; }
table.group { table-layout: fixed; }
col.c-outcome { width: 84px; } col.c-test { width: 30%; } col.c-req { width: 130px; } col.c-time { width: 80px; }
table.group td { overflow-wrap: anywhere; }
</style>
</head>
<body>
<main>
<h1>{{.Spec}} conformance report</h1>
<p class="sub">Region <span class="mono">{{.Target}}</span>, format <strong>{{.Format}}</strong> &middot; suite {{.SuiteVersion}} &middot;
 started {{rfc3339 .Started}}, ran {{.Duration}}</p>

<section id="verdict" class="banner {{.Verdict}}" data-verdict="{{.Verdict}}">
 <div class="word">{{if .Passed}}PASS{{else}}FAIL{{end}}</div>
 {{if .Passed}}<p>No required test failed ({{.Counts.Pass}} passed, {{.Counts.Skip}} skipped, {{.Counts.Fail}} failed, {{.Counts.Error}} errors).</p>
 {{else}}<p>Requirements not met: {{if .Failed}}{{join .Failed ", "}}{{else}}none run{{end}} ({{.Counts.Pass}} passed, {{.Counts.Fail}} failed, {{.Counts.Error}} errors, {{.Counts.Skip}} skipped).</p>{{end}}
 {{if .Only}}<p><strong>Partial run</strong> limited to {{join .Only ", "}}: it does not certify the region.</p>{{end}}
</section>

{{with .Metadata}}
<h2>Declared by the region</h2>
<table><tr><td>
<dl class="meta">
 <dt>spec</dt><dd class="mono">{{.Spec}}</dd>
 <dt>format</dt><dd class="mono">{{.Format}}</dd>
 <dt>regions</dt><dd class="mono">{{join .Regions " "}}</dd>
 <dt>peak rate</dt><dd>{{.PeakRPS}} requests/s</dd>
 <dt>p99 latency objective</dt><dd>{{.LatencyObjectiveMS}} ms</dd>
 <dt>largest feed page</dt><dd>{{.FeedMaxLimit}} persons</dd>
</dl>
</td></tr></table>
{{end}}

<h2>Requirements</h2>
<table id="requirements">
<tr><th>ID</th><th>Requirement</th><th>Outcome</th><th>Tests</th></tr>
{{range .Requirements}}<tr data-requirement="{{.ID}}">
 <td class="mono">{{.ID}}</td><td>{{.Title}}{{if not .Required}} <span class="optional">(optional)</span>{{end}}</td>
 <td><span class="badge {{outcome .Outcome}}">{{outcome .Outcome}}</span></td>
 <td class="mono">{{join .Tests ", "}}</td></tr>
{{end}}</table>

{{range .Suites}}{{range .Groups}}
<h2 id="group-{{.ID}}">{{.Name}}</h2>
<table class="group" data-group="{{.ID}}">
<colgroup><col class="c-outcome"><col class="c-test"><col class="c-req"><col><col class="c-time"></colgroup>
<tr><th>Outcome</th><th>Test</th><th>Requirements</th><th>Message</th><th class="num">Time</th></tr>
{{range .Tests}}
<tr class="test" data-test="{{.ID}}" data-outcome="{{.Outcome}}">
 <td><span class="badge {{.Outcome}}">{{.Outcome}}</span></td>
 <td><span class="mono">{{.ID}}</span>{{if not .Required}} <span class="optional">optional</span>{{end}}<br>{{.Title}}</td>
 <td class="mono">{{join .Requirements " "}}</td>
 <td>{{.Message}}</td>
 <td class="num">{{ms .DurationMS}}</td>
</tr>
<tr class="detail"><td></td><td colspan="4">
<details>
 <summary>{{len .Findings}} finding{{if ne (len .Findings) 1}}s{{end}}, {{len .Exchanges}} HTTP exchange{{if ne (len .Exchanges) 1}}s{{end}}{{if .ExchangesOmitted}} (and {{.ExchangesOmitted}} more not kept){{end}}</summary>
 {{if .Findings}}<ol class="findings">{{range .Findings}}<li>{{.}}</li>{{end}}</ol>{{end}}
 {{with .Load}}<table class="ex">
  <tr><th>rate</th><th>requests</th><th>answers</th><th>p50</th><th>p99</th><th>max</th><th>objective</th><th>late</th><th>429 without Retry-After</th></tr>
  <tr><td>{{printf "%.0f" .RateRPS}}/s for {{ms .DurationMS}}</td><td class="num">{{.Requests}}</td>
   <td class="mono">{{$by := .ByStatus}}{{range statusKeys .ByStatus}}{{.}}&times;{{index $by .}} {{end}}</td>
   <td class="num">{{ms .P50MS}}</td><td class="num">{{ms .P99MS}}</td><td class="num">{{ms .MaxMS}}</td>
   <td class="num">{{ms .ObjectiveMS}}</td><td class="num">{{.OverObjective}}</td><td class="num">{{.MissingRetryAfter}}</td></tr>
 </table>{{end}}
 {{if .Exchanges}}<table class="ex">
  <colgroup><col class="x-req"><col class="x-status"><col class="x-headers"><col><col class="x-time"></colgroup>
  <tr><th>request</th><th>status</th><th>headers</th><th>body</th><th class="num">time</th></tr>
  {{range .Exchanges}}<tr>
   <td class="mono">{{.Method}} {{.URL}}<br>auth: {{.Auth}}{{if .RequestBody}}<pre>{{.RequestBody}}</pre>{{end}}</td>
   <td class="mono">{{if .Status}}{{.Status}}{{else}}&mdash;{{end}}{{if .Error}}<br>{{.Error}}{{end}}</td>
   <td class="mono">{{$h := .Headers}}{{range sortedKeys .Headers}}{{.}}: {{index $h .}}<br>{{end}}</td>
   <td><pre>{{.Body}}</pre></td>
   <td class="num">{{ms .DurationMS}}</td>
  </tr>{{end}}
 </table>{{end}}
</details>
</td></tr>
{{end}}
</table>
{{end}}{{end}}

<p class="sub">Document numbers and names are never recorded: status lookups are shown with the number redacted and native payloads as summaries.</p>
</main>
</body>
</html>
`
