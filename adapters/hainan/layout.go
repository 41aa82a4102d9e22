package hainan

import "github.com/codefed/codefed/schema"

// recordLength is the fixed length of every record in bytes, without the
// line terminator.
const recordLength = 200

// fileID identifies the export in the header record.
const fileID = "HNJKM001"

// fieldSpec is one field of a record layout: its copybook name, byte
// offset and width.
type fieldSpec struct {
	name  string
	off   int
	width int
}

func (f fieldSpec) end() int { return f.off + f.width }

func (f fieldSpec) of(line []byte) []byte { return line[f.off:f.end()] }

// Header record (H); REC-TYPE is byte 0 of every record.
var (
	hFileID  = fieldSpec{"FILE-ID", 1, 8}
	hRegion  = fieldSpec{"REGION", 9, 6}
	hBatchID = fieldSpec{"BATCH-ID", 15, 20}
	hCreated = fieldSpec{"CREATED", 35, 12}
)

// Trailer record (T).
var tCount = fieldSpec{"REC-COUNT", 1, 8}

// Status record (D).
var (
	dType       = fieldSpec{"REC-TYPE", 0, 1}
	dRecordID   = fieldSpec{"REC-ID", 1, 20}
	dName       = fieldSpec{"NAME", 21, 20}
	dDocType    = fieldSpec{"DOC-TYPE", 41, 2}
	dDocNumber  = fieldSpec{"DOC-NO", 43, 18}
	dColorCode  = fieldSpec{"COLOR-CD", 61, 1}
	dColorLabel = fieldSpec{"COLOR-LBL", 62, 4}
	dIssuedAt   = fieldSpec{"ISSUED-AT", 66, 12}
	dValidUntil = fieldSpec{"VALID-TO", 78, 12}
	dReasons    = fieldSpec{"REASON-CDS", 90, 8}
	dNATResult  = fieldSpec{"NAT-RESULT", 98, 1}
	dNATSampled = fieldSpec{"NAT-SAMPLED", 99, 12}
	dNATLab     = fieldSpec{"NAT-LAB", 111, 40}
	dDoses      = fieldSpec{"VAX-DOSES", 151, 2}
	dLastDose   = fieldSpec{"VAX-LAST", 153, 8}
	dFiller     = fieldSpec{"FILLER", 161, 39}
)

var dLayout = []fieldSpec{dType, dRecordID, dName, dDocType, dDocNumber, dColorCode, dColorLabel,
	dIssuedAt, dValidUntil, dReasons, dNATResult, dNATSampled, dNATLab, dDoses, dLastDose, dFiller}

// Event record (E); it belongs to the D record before it.
var (
	eType      = fieldSpec{"REC-TYPE", 0, 1}
	eEventID   = fieldSpec{"EV-ID", 1, 20}
	eKind      = fieldSpec{"EV-KIND", 21, 1}
	ePlaceID   = fieldSpec{"PLACE-ID", 22, 24}
	ePlaceName = fieldSpec{"PLACE-NAME", 46, 40}
	ePlaceRgn  = fieldSpec{"PLACE-RGN", 86, 9}
	eStart     = fieldSpec{"EV-START", 95, 12}
	eEnd       = fieldSpec{"EV-END", 107, 12}
	eLat       = fieldSpec{"PLACE-LAT", 119, 10}
	eLon       = fieldSpec{"PLACE-LON", 129, 11}
	eFiller    = fieldSpec{"FILLER", 140, 60}
)

var eLayout = []fieldSpec{eType, eEventID, eKind, ePlaceID, ePlaceName, ePlaceRgn, eStart, eEnd, eLat, eLon, eFiller}

const (
	timeLayout = "200601021504"
	dateLayout = "20060102"
)

var docTypeByCode = map[string]string{
	"01": schema.DocResidentID,
	"02": schema.DocPassport,
	"03": schema.DocHKMacauPermit,
	"04": schema.DocTaiwanPermit,
	"05": schema.DocHKID,
	"06": schema.DocMacauID,
}

type colorCode struct{ color, label string }

var colorByCode = map[byte]colorCode{
	'1': {schema.Green, "绿码"},
	'2': {schema.Yellow, "黄码"},
	'3': {schema.Red, "红码"},
}

var natByCode = map[byte]string{
	'0': schema.NATNegative,
	'1': schema.NATPositive,
	'2': schema.NATPending,
}

// reasonByCode is the system's reason table. The hub's derived reason
// (visited_risk_area) has no code.
var reasonByCode = map[string]string{
	"01": schema.ReasonNATNegative48h,
	"02": schema.ReasonNATNegative72h,
	"03": schema.ReasonNATNegative,
	"04": schema.ReasonNATPositive,
	"05": schema.ReasonNATPending,
	"06": schema.ReasonNATOverdue,
	"07": schema.ReasonConfirmedCase,
	"08": schema.ReasonCloseContact,
	"09": schema.ReasonSecondaryContact,
	"10": schema.ReasonFromRiskArea,
	"11": schema.ReasonHomeQuarantine,
	"12": schema.ReasonCentralQuarantine,
	"13": schema.ReasonInbound,
	"14": schema.ReasonFeverClinic,
	"15": schema.ReasonCannotConfirm,
	"16": schema.ReasonNoAbnormality,
	"17": schema.ReasonVaccinated,
	"18": schema.ReasonRecovered,
	"19": schema.ReasonRiskGroup,
}

var kindByCode = map[byte]string{
	'1': schema.KindCheckpoint,
	'2': schema.KindVenueScan,
	'3': schema.KindTransit,
	'4': schema.KindStay,
}

// reasonSlots is how many reason codes REASON-CDS holds.
const reasonSlots = 4
