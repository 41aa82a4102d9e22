package shandong

import (
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/schema"
)

// Column names of the export's header row.
const (
	colRecordID   = "记录编号"
	colName       = "姓名"
	colDocType    = "证件类型"
	colDocNumber  = "证件号码"
	colColor      = "健康码颜色"
	colReasons    = "赋码原因"
	colIssuedAt   = "赋码时间"
	colValidUntil = "有效期至"
	colNATResult  = "核酸检测结果"
	colNATSampled = "采样时间"
	colNATLab     = "检测机构"
	colDoses      = "疫苗接种剂次"
	colLastDose   = "末次接种日期"
)

type column int

const (
	cRecordID column = iota
	cName
	cDocType
	cDocNumber
	cColor
	cReasons
	cIssuedAt
	cValidUntil
	cNATResult
	cNATSampled
	cNATLab
	cDoses
	cLastDose
	numColumns
)

// columnNames is also the column order Encode writes.
var columnNames = [numColumns]string{
	cRecordID:   colRecordID,
	cName:       colName,
	cDocType:    colDocType,
	cDocNumber:  colDocNumber,
	cColor:      colColor,
	cReasons:    colReasons,
	cIssuedAt:   colIssuedAt,
	cValidUntil: colValidUntil,
	cNATResult:  colNATResult,
	cNATSampled: colNATSampled,
	cNATLab:     colNATLab,
	cDoses:      colDoses,
	cLastDose:   colLastDose,
}

var requiredColumns = []column{cDocType, cDocNumber, cColor, cIssuedAt}

var columnByName = map[string]column{}

func init() {
	for c, n := range columnNames {
		columnByName[n] = column(c)
	}
}

// docTypes maps 证件类型 to v1 document types. 港澳台居民居住证 numbers
// follow GB 11643 (prefixes 810000, 820000, 830000), so they are resident IDs.
var docTypes = map[string]string{
	"居民身份证":       schema.DocResidentID,
	"港澳台居民居住证":    schema.DocResidentID,
	"护照":          schema.DocPassport,
	"往来港澳通行证":     schema.DocHKMacauPermit,
	"台湾居民来往大陆通行证": schema.DocTaiwanPermit,
}

// unsupportedDocTypes are documents the export carries and v1 has no type
// for; their records are rejected with a message that says so.
var unsupportedDocTypes = map[string]bool{
	"港澳居民来往内地通行证": true,
	"外国人永久居留身份证":  true,
}

// docTypeLabels is what Encode writes for each v1 document type.
var docTypeLabels = map[string]string{
	schema.DocResidentID:    "居民身份证",
	schema.DocPassport:      "护照",
	schema.DocHKMacauPermit: "往来港澳通行证",
	schema.DocTaiwanPermit:  "台湾居民来往大陆通行证",
}

var colors = map[string]string{
	"绿码": schema.Green,
	"黄码": schema.Yellow,
	"红码": schema.Red,
}

var colorLabels = codes.Invert(colors)

var natResults = map[string]string{
	"阴性":   schema.NATNegative,
	"阳性":   schema.NATPositive,
	"待出结果": schema.NATPending,
}

var natLabels = codes.Invert(natResults)

// reasonByLabel maps the reason labels the export writes to v1 reasons.
// The hub's derived reason (visited_risk_area) has none.
var reasonByLabel = map[string]string{
	"48小时核酸阴性":    schema.ReasonNATNegative48h,
	"72小时核酸阴性":    schema.ReasonNATNegative72h,
	"核酸阴性":        schema.ReasonNATNegative,
	"核酸阳性":        schema.ReasonNATPositive,
	"核酸结果待出":      schema.ReasonNATPending,
	"未按要求核酸检测":    schema.ReasonNATOverdue,
	"确诊病例或无症状感染者": schema.ReasonConfirmedCase,
	"密切接触者":       schema.ReasonCloseContact,
	"次密切接触者":      schema.ReasonSecondaryContact,
	"中高风险地区来鲁":    schema.ReasonFromRiskArea,
	"居家健康监测":      schema.ReasonHomeQuarantine,
	"集中隔离医学观察":    schema.ReasonCentralQuarantine,
	"入境人员":        schema.ReasonInbound,
	"发热门诊就诊":      schema.ReasonFeverClinic,
	"无法确认":        schema.ReasonCannotConfirm,
	"未见异常":        schema.ReasonNoAbnormality,
	"已完成疫苗接种":     schema.ReasonVaccinated,
	"康复人员":        schema.ReasonRecovered,
	"风险人员":        schema.ReasonRiskGroup,
}

// labelByReason is what Encode writes for each reason.
var labelByReason = codes.Invert(reasonByLabel)
