package carrier

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/jsonstream"
	"github.com/codefed/codefed/adapters/internal/redact"
	"github.com/codefed/codefed/schema"
)

// secret is a personal value an export carries (phone number, name) that
// Decode never keeps: unmarshalling one stores nothing, so it cannot reach
// a record or a message. Encode writes it like a string.
type secret string

// UnmarshalJSON discards the value.
func (*secret) UnmarshalJSON([]byte) error { return nil }

// China Mobile: one JSON object.
type cmccExport struct {
	FileID   string       `json:"fileId"`
	ProvCode string       `json:"provCode"`
	GenTime  string       `json:"genTime,omitempty"`
	Total    *int         `json:"total,omitempty"`
	Records  []cmccRecord `json:"records"`
}

type cmccRecord struct {
	Seq       string `json:"seq"`
	Msisdn    secret `json:"msisdn"`
	CertType  string `json:"certType"`
	CertNo    string `json:"certNo"`
	CustName  secret `json:"custName,omitempty"`
	QueryTime string `json:"queryTime"`
	Cities    string `json:"cities"`
}

// China Unicom: JSON lines, a header line first.
type cuccHeader struct {
	FileNo     *string `json:"file_no"`
	ProvCode   string  `json:"prov_code"`
	CreateTime string  `json:"create_time,omitempty"`
	RecNum     *int    `json:"rec_num,omitempty"`
}

type cuccRecord struct {
	SerialNo   string `json:"serial_no"`
	UserNumber secret `json:"user_number"`
	CertType   string `json:"cert_type"`
	CertCode   string `json:"cert_code"`
	CustName   secret `json:"cust_name,omitempty"`
	QueryTime  string `json:"query_time"`
	Route      string `json:"route"`
}

// China Telecom: one JSON object; stays are optional.
type ctccExport struct {
	RequestID string       `json:"requestId"`
	AreaCode  string       `json:"areaCode"`
	Timestamp int64        `json:"timestamp,omitempty"`
	Data      []ctccRecord `json:"data"`
}

type ctccRecord struct {
	AccNbr   secret `json:"accNbr"`
	IDType   string `json:"idType"`
	IDNbr    string `json:"idNbr"`
	CustName secret `json:"custName,omitempty"`
	CardTime int64  `json:"cardTime"`
	Trip     string `json:"trip"`
	Stays    []stay `json:"stays,omitempty"`
}

var formats = map[Carrier]*format{
	CMCC: {
		carrier: CMCC,
		name:    "China Mobile",
		docTypes: map[string]string{
			"01": schema.DocResidentID,
			"02": schema.DocPassport,
			"04": schema.DocTaiwanPermit,
		},
		unsupported: map[string]string{"03": "港澳居民来往内地通行证", "05": "外国人永久居留身份证"},
		separators:  "，,",
		fieldRef:    "seq", fieldDoc: "certType", fieldNumber: "certNo", fieldTime: "queryTime", fieldCities: "cities",
		cardTime: textTime("2006-01-02 15:04:05", "yyyy-MM-dd HH:mm:ss"),
	},
	CUCC: {
		carrier: CUCC,
		name:    "China Unicom",
		docTypes: map[string]string{
			"ID_CARD":   schema.DocResidentID,
			"PASSPORT":  schema.DocPassport,
			"TW_PERMIT": schema.DocTaiwanPermit,
		},
		unsupported: map[string]string{"HKMO_PERMIT": "港澳居民来往内地通行证"},
		separators:  "|",
		shortNames:  true,
		fieldRef:    "serial_no", fieldDoc: "cert_type", fieldNumber: "cert_code", fieldTime: "query_time", fieldCities: "route",
		cardTime: textTime("20060102150405", "yyyyMMddHHmmss"),
	},
	CTCC: {
		carrier: CTCC,
		name:    "China Telecom",
		docTypes: map[string]string{
			"身份证": schema.DocResidentID,
			"护照":  schema.DocPassport,
			"台胞证": schema.DocTaiwanPermit,
		},
		unsupported: map[string]string{"回乡证": "港澳居民来往内地通行证"},
		separators:  "、",
		fieldRef:    "", fieldDoc: "idType", fieldNumber: "idNbr", fieldTime: "cardTime", fieldCities: "trip",
		cardTime: func(c *card) (time.Time, error) {
			if c.timeMs <= 0 {
				return time.Time{}, errors.New("missing card time")
			}
			return adapters.FromEpochMillis(c.timeMs), nil
		},
	},
}

// textTime reads a zoneless Beijing query time in layout, which people
// write as human.
func textTime(layout, human string) func(c *card) (time.Time, error) {
	return func(c *card) (time.Time, error) {
		if c.timeText == "" {
			return time.Time{}, errors.New("missing query time")
		}
		t, err := time.ParseInLocation(layout, c.timeText, adapters.Beijing)
		if err != nil {
			return time.Time{}, fmt.Errorf("query time %s is not %s", redact.Time(c.timeText), human)
		}
		return t, nil
	}
}

// readExport tells the carrier from the payload's shape and reads it: a
// first line that is a JSON object with file_no is China Unicom's header;
// otherwise the payload is one object, China Mobile's if it has fileId,
// China Telecom's if it has requestId.
func readExport(raw []byte) (*export, error) {
	body := bytes.TrimLeft(raw, " \t\r\n")
	if len(body) == 0 {
		return nil, errors.New("empty payload")
	}
	if body[0] != '{' {
		return nil, errors.New("not a carrier export: want a JSON object or JSON lines")
	}
	line := body
	if k := bytes.IndexByte(body, '\n'); k >= 0 {
		line = body[:k]
	}
	// A header line is short; a long first line is a whole export.
	if len(line) <= 4096 {
		var h cuccHeader
		err := json.Unmarshal(line, &h)
		if h.FileNo != nil {
			if err != nil {
				_, err = jsonstream.Explain(err)
				return nil, fmt.Errorf("china unicom header line: %w", err)
			}
			return readCUCC(&h, body[len(line):])
		}
	}
	return readObjectExport(body)
}

func readCUCC(h *cuccHeader, body []byte) (*export, error) {
	if err := checkBatchID("file_no", *h.FileNo); err != nil {
		return nil, fmt.Errorf("china unicom header line: %w", err)
	}
	region := h.ProvCode + "0000"
	if len(h.ProvCode) != 2 || schema.Province(region) != region {
		return nil, fmt.Errorf("china unicom header line: prov_code %s is not a two-digit province code", redact.Code(h.ProvCode))
	}
	exp := &export{format: formats[CUCC], batchID: *h.FileNo, region: region, total: h.RecNum}
	exp.cards = make([]card, 0, len(body)/250)
	for len(body) > 0 {
		line := body
		if k := bytes.IndexByte(body, '\n'); k >= 0 {
			line, body = body[:k], body[k+1:]
		} else {
			body = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var rec cuccRecord
		c := card{}
		if err := json.Unmarshal(line, &rec); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				c.shapeErr = errors.New("line is not a JSON object")
			} else {
				c.shapeAt, c.shapeErr = jsonstream.Explain(err)
			}
		}
		c.ref, c.docCode, c.docNumber, c.timeText, c.cities = rec.SerialNo, rec.CertType, rec.CertCode, rec.QueryTime, rec.Route
		if c.shapeErr == nil && c.ref == "" {
			c.shapeAt, c.shapeErr = "serial_no", errors.New("missing record number")
		}
		exp.cards = append(exp.cards, c)
	}
	return exp, nil
}

func readObjectExport(body []byte) (*export, error) {
	var (
		fileID, requestID  *string
		provCode, areaCode string
		total              *int
		cmcc, ctcc         []card
		haveCMCC, haveCTCC bool
	)
	dec := jsonstream.NewDecoder(body)
	err := dec.Top(exportPayload, func(key string) error {
		switch key {
		case "fileId":
			fileID = new(string)
			return dec.Field(key, fileID)
		case "provCode":
			return dec.Field(key, &provCode)
		case "total":
			return dec.Field(key, &total)
		case "records":
			haveCMCC = true
			cmcc = make([]card, 0, len(body)/250)
			return dec.Array(key, func() error {
				var rec cmccRecord
				c, err := shaped(dec.Element(&rec))
				if err != nil {
					return err
				}
				c.ref, c.docCode, c.docNumber, c.timeText, c.cities = rec.Seq, rec.CertType, rec.CertNo, rec.QueryTime, rec.Cities
				if c.shapeErr == nil && c.ref == "" {
					c.shapeAt, c.shapeErr = "seq", errors.New("missing record number")
				}
				cmcc = append(cmcc, c)
				return nil
			})
		case "requestId":
			requestID = new(string)
			return dec.Field(key, requestID)
		case "areaCode":
			return dec.Field(key, &areaCode)
		case "data":
			haveCTCC = true
			ctcc = make([]card, 0, len(body)/250)
			return dec.Array(key, func() error {
				var rec ctccRecord
				c, err := shaped(dec.Element(&rec))
				if err != nil {
					return err
				}
				c.docCode, c.docNumber, c.timeMs, c.cities = rec.IDType, rec.IDNbr, rec.CardTime, rec.Trip
				c.stays, c.hasStays = rec.Stays, rec.Stays != nil
				ctcc = append(ctcc, c)
				return nil
			})
		}
		return dec.Skip()
	})
	if err != nil {
		return nil, err
	}
	switch {
	case fileID != nil && requestID != nil:
		return nil, errors.New("payload has both fileId (China Mobile) and requestId (China Telecom)")
	case fileID != nil:
		if err := checkBatchID("fileId", *fileID); err != nil {
			return nil, fmt.Errorf("china mobile export: %w", err)
		}
		if !provinceCode(provCode) {
			return nil, fmt.Errorf("china mobile export: provCode %s is not a province code", redact.Code(provCode))
		}
		if !haveCMCC {
			return nil, errors.New("china mobile export has no records list")
		}
		return &export{format: formats[CMCC], batchID: *fileID, region: provCode, total: total, cards: cmcc}, nil
	case requestID != nil:
		if err := checkBatchID("requestId", *requestID); err != nil {
			return nil, fmt.Errorf("china telecom export: %w", err)
		}
		if !provinceCode(areaCode) {
			return nil, fmt.Errorf("china telecom export: areaCode %s is not a province code", redact.Code(areaCode))
		}
		if !haveCTCC {
			return nil, errors.New("china telecom export has no data list")
		}
		return &export{format: formats[CTCC], batchID: *requestID, region: areaCode, cards: ctcc}, nil
	}
	return nil, errors.New("not a carrier export: no fileId (China Mobile), requestId (China Telecom) or file_no header line (China Unicom)")
}

// shaped turns what was wrong with the JSON shape of one record into a
// card that carries it, or passes on err when the stream itself is broken.
func shaped(bad *jsonstream.FieldError, err error) (card, error) {
	var c card
	if bad != nil {
		c.shapeAt, c.shapeErr = bad.Field, bad.Err
	}
	return c, err
}

// exportPayload is how messages speak of the payload; a syntax error says
// no offset.
var exportPayload = jsonstream.Payload{
	Ends:     "payload ends inside the export object",
	Trailing: "data after the export object",
}

func checkBatchID(field, id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return fmt.Errorf("%s is empty", field)
	case len(id) > 100:
		return fmt.Errorf("%s is longer than 100 characters", field)
	}
	return nil
}

func provinceCode(code string) bool {
	return len(code) == 6 && schema.Province(code) == code
}
