// Package eudcc decodes and encodes EU Digital COVID Certificates (DCC,
// "HCERT"), registered as format "eu-dcc" for travellers arriving from
// abroad at any port of entry (Regions "*").
//
// # What is real and what is invented
//
// The certificate is real and public: the eHealth Network's HCERT
// specification (QR text "HC1:" + Base45 of a zlib-compressed, signed
// COSE_Sign1 CBOR Web Token), the DCC JSON schema (1.0.0 to 1.3.0) and its
// value sets. Decode verifies certificates as the specification and the
// public test corpus (eu-digital-green-certificates/dgc-testdata) require;
// the corpus runs against this package in TestVectors. Invented are the
// payload around the QR texts (one per line, optionally wrapped in a JSON
// object with the document the checkpoint scanned and the port of entry),
// the default region, and the whole mapping to health-code colours:
// mainland health-code systems did not read DCCs, so the mapping is what a
// port of entry would do, written down here.
//
// # Payload
//
// UTF-8 text, one record per line; blank lines are ignored, a trailing CR
// is dropped (CRLF files work), leading blanks are ignored. A line is
// either the QR text itself,
//
//	HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IUKRG*I.I5BROCWAAT4V22F/8X*G3M9JUPY0BX/KR96R/S09T./0LWTKD33236J3TA3M*4VV2 73-E3GG396B-43O058YIB73A*G3W1...
//
// or a JSON object that carries it with what the checkpoint scanned
// alongside:
//
//	{"qr":"HC1:...","doc_type":"passport","doc_number":"E12345678","region":"310000"}
//
//	qr          the QR text (required)
//	doc_type    a codefed document type (schema.DocTypes) of the document
//	            scanned with the certificate; with doc_number, or neither
//	doc_number  its number, pseudonymised and never kept
//	region      GB/T 2260 code (6 or 9 digits) of the port of entry; default
//	            DefaultRegion, 440300 Shenzhen
//
// Unknown keys are ignored. The batch's region is the region of the first
// line that could be read. A payload that is not UTF-8 or holds no line
// fails as a whole, with a *StageError of stage prefix; anything else fails
// one record.
//
// # Reading and verifying a certificate
//
// Each stage that fails names itself in the rejection (RecordError.Stage;
// Parse and Verify return *StageError), with the field at fault:
//
//   - prefix: the text must start with "HC1:"; another context identifier
//     (HC2:, HL0:) or none is refused. A malformed JSON line fails here too.
//   - base45: strict RFC 9285 Base45 (internal/base45): only the 45
//     characters of the alphabet, no single trailing character, no group
//     whose value overflows.
//   - zlib: the data must be a zlib stream with a correct checksum that
//     decompresses to at most 64 KiB. Uncompressed COSE is refused: the
//     specification requires compression (corpus case Z2).
//   - cose: an optional CWT tag (61) followed by an optional COSE_Sign1 tag
//     (18), then a COSE_Sign1 array (go-cose) with a payload.
//   - cbor: the payload is a map of CWT claims without duplicate keys,
//     with the hcert claim (-260) holding a map whose key 1 is the DGC. iss
//     (1), if present, is text. The DGC must have a JSON form: text keys,
//     no byte strings, no NaN; tag 0 and 1 dates become RFC 3339 text (tag
//     1 in UTC), RFC 8943 dates (tags 100, 1004) become YYYY-MM-DD.
//   - signature: the algorithm is ES256 (EC P-256 key, r||s signature) or
//     PS256 (RSA key of 2048 bits or more, any PSS salt length), taken from
//     the protected header, or from the unprotected one when the protected
//     header has none (as some issuers wrote it; the trusted key fixes the
//     key type, so nothing can be substituted). The kid (8 bytes) is taken
//     from the protected header, else from the unprotected one; the
//     protected kid always wins (corpus CO18 to CO23). Every trusted
//     certificate whose kid (first 8 bytes of the SHA-256 of its DER)
//     matches is tried; no other is: a kid that names no trusted
//     certificate is refused even when another trusted key would verify,
//     because the protected kid is what the issuer signed.
//   - key-usage: a signing certificate whose extended key usage names DCC
//     types (1.3.6.1.4.1.1847.2021.1.1 test, .2 vaccination, .3 recovery,
//     and the 1.3.6.1.4.1.0.1847.2021.1.x arc of early signers) may sign
//     only those types; one that names none may sign every type.
//   - expired: iat (6) and exp (4) must be present (seconds, possibly
//     fractional, or tag 1/tag 0 dates), iat <= exp, the signing
//     certificate already valid at iat and still valid at exp (a certificate
//     may not outlive its signer), and, when DecodeOptions.At is set,
//     iat <= At <= exp. At is the validation
//     clock; without it the clock is not consulted, only the rest. The
//     mapping adds: a test sample collected after At (corpus DGC8), and
//     At outside a recovery certificate's df..du.
//   - schema: the DGC against dgc.schema.json, the 1.3.0 structure reduced
//     to what codefed reads and loose enough for 1.0.x to 1.2.x
//     certificates (dates with a time part, sample times without an
//     offset, extra properties); exactly one of the groups v, t, r with
//     exactly one entry (corpus DGC2). The mapping adds: tg must be
//     COVID-19 (840539006), tr a known result, the holder identifiable, an
//     accompanying document valid, a region well-formed.
//
// # Mapping to schema v1
//
// Each certificate becomes one status; the format carries no events or
// risk areas. Names and the date of birth never leave the adapter, not in
// a status and not in an error message.
//
//   - subject: the accompanying document when the line has one, so that
//     the traveller meets their other records (their passport); else the
//     dcc_holder document "FNT<<GNT/DOB" from the transliterated surname
//     and given names (nam.fnt, nam.gnt, A-Z and <) and the date of birth
//     without a time part (YYYY, YYYY-MM or YYYY-MM-DD). A certificate
//     without fnt or with an empty dob cannot identify its holder alone and
//     is rejected unless a document came with it.
//   - region: the line's region, else DefaultRegion.
//
// Colour and reasons follow the certificate's group:
//
//	v, dn >= sd (complete series, boosters included)   green  vaccinated
//	v, dn < sd                                          yellow inbound_traveller
//	t, NAA test (tt LP6464-4), not detected, sampled
//	   less than 72 h before iat                        green  nat_negative_72h
//	t, NAA test, not detected, 72 h or more before iat  yellow inbound_traveller
//	t, NAA test, detected (260373001)                   red    nat_positive
//	t, rapid antigen or other test, not detected        yellow inbound_traveller
//	t, rapid antigen or other test, detected            red    risk_group
//	r                                                   green  recovered
//
// A v1 NAT is a nucleic-acid test, so an antigen test is not reported as
// one and earns no green. A detected result is red, not a rejected
// certificate: corpus case DGC7 forbids a verifier to accept it as a pass,
// and red is no pass, while dropping it would hide the one traveller who
// most needs a colour. "nat_negative_72h" follows the EU's 72-hour rule
// for NAA tests.
//
// The other fields:
//
//   - issued_at: iat, in Beijing time. valid_until: exp in Beijing time,
//     shortened to 72 h after sampling for a green NAA test and to the end
//     of du (UTC) for a recovery; none for red, which lasts until a later
//     status of the subject in the region (their recovery certificate)
//     replaces it.
//   - nat: for NAA tests, the result, sc with the offset the certificate
//     wrote (UTC when it wrote none, the start of the day in UTC when it
//     wrote a date only) and tc as the lab.
//   - vaccination: doses dn, last_dose_at the date of dt.
//   - local: the certificate type in words ("EU DCC vaccination, dose 2 of
//     2", "EU DCC NAA test: not detected", "EU DCC recovery") and a code
//     ("v:2/2", "t:260415000", "r").
//   - source.system: "eu-dcc-" and the lower-case iss ("eu-dcc-at"), or
//     "eu-dcc" with a warning when iss is not a two-letter code.
//   - source.record_id: RecordID, "uvci-" and 32 hex digits of
//     SHA-256(subject ":" ci). The UVCI identifies the certificate, but it
//     is printed on the holder's paper and stored by the issuer next to
//     their name; mixed with the subject, which is keyed by the federation
//     key, it stays stable for replays without letting anyone holding a
//     UVCI look the holder up.
//
// Not carried: names, date of birth, vaccine product and manufacturer,
// test device and name, country of vaccination or test, certificate issuer
// name, the first positive result of a recovery.
//
// # Encode
//
// Encode writes one line per status, signed with EncodeOptions.Signer under
// the key identifier of SignerCert (ES256 for an EC P-256 key, PS256 for an
// RSA key); the certificate's country (C) becomes iss and co. A status
// becomes a recovery when its reasons include recovered, else a NAA test
// when it has a NAT (negative or positive; its vaccination is not
// carried), else a vaccination (sd = dn when green, dn+1 when yellow); a
// colour that group cannot give is an error, as are a pending test and a
// certificate outliving its signer. iat is issued_at (EncodeOptions.At when
// zero), exp valid_until (a year later when zero). The UVCI is derived from
// the status's record ID. A dcc_holder person gets a bare QR line with the
// names and birth date of their document; anyone else a JSON line with the
// document and a DGC whose names are transliterated from Name (first word
// the surname, as in Chinese order; Latin script only, ICAO 9303 rules for
// letters with diacritics). A line names its region unless it is
// DefaultRegion.
package eudcc
