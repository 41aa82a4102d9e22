package macau

import (
	"strings"

	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/schema"
)

// Field keys of a record, as the export spells them.
const (
	keyRecordID   = "記錄編號"
	keyName       = "姓名"
	keyDocType    = "證件類型"
	keyDocNumber  = "證件號碼"
	keyColor      = "健康碼"
	keyReasons    = "賦碼原因"
	keyIssuedAt   = "簽發時間"
	keyValidUntil = "有效期至"
	keyNATResult  = "核酸結果"
	keyNATSampled = "採樣時間"
	keyNATLab     = "檢測機構"
	keyDoses      = "疫苗劑數"
	keyLastDose   = "最後接種日期"
	keyVenue      = "場所記錄"
)

// Header keys.
const (
	keyVersion    = "格式版本"
	keyBatchID    = "批次編號"
	keyExportedAt = "匯出時間"
)

const (
	magic        = "澳門健康碼資料匯出"
	recordMarker = "[記錄]"
)

type field int

const (
	fRecordID field = iota
	fName
	fDocType
	fDocNumber
	fColor
	fReasons
	fIssuedAt
	fValidUntil
	fNATResult
	fNATSampled
	fNATLab
	fDoses
	fLastDose
	numFields
	fVenue // repeatable, kept apart from the single-valued fields
)

var fieldKeys = [numFields]string{
	fRecordID:   keyRecordID,
	fName:       keyName,
	fDocType:    keyDocType,
	fDocNumber:  keyDocNumber,
	fColor:      keyColor,
	fReasons:    keyReasons,
	fIssuedAt:   keyIssuedAt,
	fValidUntil: keyValidUntil,
	fNATResult:  keyNATResult,
	fNATSampled: keyNATSampled,
	fNATLab:     keyNATLab,
	fDoses:      keyDoses,
	fLastDose:   keyLastDose,
}

func keyOf(f field) string {
	if f == fVenue {
		return keyVenue
	}
	return fieldKeys[f]
}

var docTypes = map[string]string{
	"澳門居民身份證": schema.DocMacauID,
	"往來港澳通行證": schema.DocHKMacauPermit,
	"香港居民身份證": schema.DocHKID,
	"護照":      schema.DocPassport,
}

var colors = map[string]string{
	"綠碼": schema.Green,
	"黃碼": schema.Yellow,
	"紅碼": schema.Red,
}

var natResults = map[string]string{
	"陰性":   schema.NATNegative,
	"陽性":   schema.NATPositive,
	"待出結果": schema.NATPending,
}

// reasonByLabel maps every reason label the export writes to its v1
// reason. The hub's derived reason (visited_risk_area) has no label: the
// Macau system never sends it.
var reasonByLabel = map[string]string{
	"48小時內核酸陰性":  schema.ReasonNATNegative48h,
	"72小時內核酸陰性":  schema.ReasonNATNegative72h,
	"核酸陰性":       schema.ReasonNATNegative,
	"核酸陽性":       schema.ReasonNATPositive,
	"核酸結果待出":     schema.ReasonNATPending,
	"未按規定進行核酸檢測": schema.ReasonNATOverdue,
	"確診或無症狀感染者":  schema.ReasonConfirmedCase,
	"密切接觸者":      schema.ReasonCloseContact,
	"次密切接觸者":     schema.ReasonSecondaryContact,
	"來自中高風險地區":   schema.ReasonFromRiskArea,
	"居家醫學觀察":     schema.ReasonHomeQuarantine,
	"集中醫學觀察":     schema.ReasonCentralQuarantine,
	"入境人士":       schema.ReasonInbound,
	"曾到發熱門診":     schema.ReasonFeverClinic,
	"未能確認":       schema.ReasonCannotConfirm,
	"未見異常":       schema.ReasonNoAbnormality,
	"已接種疫苗":      schema.ReasonVaccinated,
	"已康復":        schema.ReasonRecovered,
	"風險人群":       schema.ReasonRiskGroup,
}

// labelByReason is what Encode writes for each reason.
var labelByReason = codes.Invert(reasonByLabel)

// simplifiedOnly holds Simplified characters of the export's vocabulary
// whose Traditional form differs. Several of them (阳, for one) exist in
// Big5-HKSCS, so a Simplified label can arrive in valid Big5 bytes.
const simplifiedOnly = "绿黄红码阴阳结检测时内规观区险来触热门诊见异种复风员证类号签发间剂数记录场机构确认护疗离开进"

func isSimplified(s string) bool {
	return strings.ContainsAny(s, simplifiedOnly)
}
