package adaptertest

import (
	"testing"

	"github.com/codefed/codefed/schema"
)

// regionReasons are the v1 reasons a region can state: all of them but
// visited_risk_area, which the hub derives.
var regionReasons = []string{
	schema.ReasonNATNegative48h, schema.ReasonNATNegative72h, schema.ReasonNATNegative,
	schema.ReasonNATPositive, schema.ReasonNATPending, schema.ReasonNATOverdue,
	schema.ReasonConfirmedCase, schema.ReasonCloseContact, schema.ReasonSecondaryContact,
	schema.ReasonFromRiskArea, schema.ReasonHomeQuarantine, schema.ReasonCentralQuarantine,
	schema.ReasonInbound, schema.ReasonFeverClinic, schema.ReasonCannotConfirm,
	schema.ReasonNoAbnormality, schema.ReasonVaccinated, schema.ReasonRecovered, schema.ReasonRiskGroup,
}

// ReasonTable checks a format's table from native reasons to v1 reasons:
// every reason a region can state has exactly one native form, so that
// Encode can write it back, and visited_risk_area has none. what names the
// native form in messages ("label", "code").
func ReasonTable(t *testing.T, table map[string]string, what string) {
	t.Helper()
	seen := map[string]bool{}
	for _, code := range table {
		if seen[code] {
			t.Errorf("reason %s has two %ss", code, what)
		}
		seen[code] = true
	}
	for _, code := range regionReasons {
		if !seen[code] {
			t.Errorf("reason %s has no %s", code, what)
		}
	}
	if seen[schema.ReasonVisitedRiskArea] {
		t.Errorf("visited_risk_area is derived by the hub and must not come from a region")
	}
}
