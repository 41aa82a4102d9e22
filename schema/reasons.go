package schema

// Reason codes explain a colour. Adapters map their region's native reasons to
// these; the hub adds derived ones (ReasonVisitedRiskArea). A reason code is
// lower snake case; the schema accepts others, but every adapter in this
// repository uses only these so that consumers can act on them.
const (
	ReasonNATNegative48h    = "nat_negative_48h"   // negative nucleic-acid test sampled within 48 h
	ReasonNATNegative72h    = "nat_negative_72h"   // negative nucleic-acid test sampled within 72 h
	ReasonNATNegative       = "nat_negative"       // negative test, window not stated by the region
	ReasonNATPositive       = "nat_positive"       // positive nucleic-acid test
	ReasonNATPending        = "nat_pending"        // sample taken, result not yet out
	ReasonNATOverdue        = "nat_overdue"        // no test within the period the region requires
	ReasonConfirmedCase     = "confirmed_case"     // confirmed or asymptomatic case
	ReasonCloseContact      = "close_contact"      // 密接
	ReasonSecondaryContact  = "secondary_contact"  // 次密接
	ReasonFromRiskArea      = "from_risk_area"     // arrived from a medium/high risk area
	ReasonVisitedRiskArea   = "visited_risk_area"  // derived by the hub from events and risk areas
	ReasonHomeQuarantine    = "home_quarantine"    // 居家观察 / home health monitoring
	ReasonCentralQuarantine = "central_quarantine" // 集中观察 / centralised quarantine
	ReasonInbound           = "inbound_traveller"  // arrived from abroad, in its observation period
	ReasonFeverClinic       = "fever_clinic"       // visited a fever clinic
	ReasonCannotConfirm     = "cannot_confirm"     // the region could not confirm a status (e.g. Beijing's 弹窗)
	ReasonNoAbnormality     = "no_abnormality"     // the region reports nothing abnormal (未见异常)
	ReasonVaccinated        = "vaccinated"         // a vaccination certificate is the basis of the status
	ReasonRecovered         = "recovered"          // a recovery certificate is the basis of the status
	ReasonRiskGroup         = "risk_group"         // listed in a region's risk group, reason not stated
)
