package message

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"time"
)

// Namespaces of SMEV 3 schema version 1.3 and of the surrounding standards.
const (
	NSTypes  = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3"
	NSBasic  = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3"
	NSFaults = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3"
	NSSOAP   = "http://schemas.xmlsoap.org/soap/envelope/"
	NSDSig   = "http://www.w3.org/2000/09/xmldsig#"
	NSXOP    = "http://www.w3.org/2004/08/xop/include"
)

// MessageType is //MessageMetadata/MessageType.
type MessageType string

// Message types a SMEV 1.3 MessageMetadata may carry.
const (
	MessageTypeRequest   MessageType = "REQUEST"
	MessageTypeBroadcast MessageType = "BROADCAST"
	MessageTypeResponse  MessageType = "RESPONSE"
)

// InteractionStatus is basic:InteractionStatusType: where SMEV is with a message.
type InteractionStatus string

// The interaction statuses of basic:InteractionStatusType.
const (
	StatusDoesNotExist             InteractionStatus = "doesNotExist"
	StatusRequestIsQueued          InteractionStatus = "requestIsQueued"
	StatusRequestIsAcceptedBySmev  InteractionStatus = "requestIsAcceptedBySmev"
	StatusRequestIsRejectedBySmev  InteractionStatus = "requestIsRejectedBySmev"
	StatusRequestIsProcessed       InteractionStatus = "requestIsProcessed"
	StatusUnderProcessing          InteractionStatus = "underProcessing"
	StatusResponseIsQueued         InteractionStatus = "responseIsQueued"
	StatusResponseIsAcceptedBySmev InteractionStatus = "responseIsAcceptedBySmev"
	StatusResponseIsRejectedBySmev InteractionStatus = "responseIsRejectedBySmev"
	StatusResponseIsProcessed      InteractionStatus = "responseIsProcessed"
	StatusCancelled                InteractionStatus = "cancelled"
	StatusMessageIsArchived        InteractionStatus = "messageIsArchived"
	StatusMessageIsDelivered       InteractionStatus = "messageIsDelivered"
)

// RejectCode is tns:RejectCode, the reason a provider rejects a request.
type RejectCode string

// The rejection reasons of tns:RejectCode.
const (
	RejectAccessDenied              RejectCode = "ACCESS_DENIED"
	RejectNoData                    RejectCode = "NO_DATA"
	RejectUnknownRequestDescription RejectCode = "UNKNOWN_REQUEST_DESCRIPTION"
	RejectFailure                   RejectCode = "FAILURE"
)

// Signature holds one serialised <ds:Signature> element (XMLDSigSignatureType).
// It stays raw: signatures are made and checked on bytes, not on Go values.
type Signature struct {
	XML []byte `xml:",innerxml"`
}

// Void is an element that is present or absent and carries nothing (basic:Void).
type Void struct{}

// Base64 is xs:base64Binary.
type Base64 []byte

// MarshalText encodes the bytes as standard base64.
func (b Base64) MarshalText() ([]byte, error) {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out, nil
}

// UnmarshalText decodes standard base64, ignoring the whitespace xs:base64Binary allows.
func (b *Base64) UnmarshalText(text []byte) error {
	decoded, err := decodeBase64(text)
	if err != nil {
		return err
	}
	*b = decoded
	return nil
}

func decodeBase64(text []byte) ([]byte, error) {
	compact := make([]byte, 0, len(text))
	for _, c := range text {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			compact = append(compact, c)
		}
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(compact)))
	n, err := base64.StdEncoding.Decode(out, compact)
	if err != nil {
		return nil, fmt.Errorf("decode base64: %w", err)
	}
	return out[:n], nil
}

// MessagePrimaryContent wraps the business document: exactly one element in
// a namespace of its own (basic:MessagePrimaryContent).
type MessagePrimaryContent struct {
	XMLName xml.Name `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 MessagePrimaryContent"`
	// XML is the business element, serialised. On decoding it is rebuilt
	// self-contained (see ReadElement).
	XML []byte `xml:",innerxml"`
}

// UnmarshalXML keeps the single child element self-contained and rejects
// anything else inside MessagePrimaryContent.
func (c *MessagePrimaryContent) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	c.XMLName = start.Name
	var found bool
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("read MessagePrimaryContent: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if found {
				return fmt.Errorf("MessagePrimaryContent holds more than one element")
			}
			if t.Name.Space == "" {
				return fmt.Errorf("MessagePrimaryContent element %s has no namespace", t.Name.Local)
			}
			raw, err := ReadElement(d, t)
			if err != nil {
				return fmt.Errorf("read MessagePrimaryContent: %w", err)
			}
			c.XML = raw
			found = true
		case xml.EndElement:
			if !found {
				return fmt.Errorf("MessagePrimaryContent is empty")
			}
			return nil
		case xml.CharData:
			if !isSpace(t) {
				return fmt.Errorf("MessagePrimaryContent holds text outside its element")
			}
		case xml.Directive:
			return ErrDirective
		}
	}
}

// RawElement is an element kept as raw children, for extension points such
// as BusinessProcessMetadata.
type RawElement struct {
	XML []byte `xml:",innerxml"`
}

// Archive lists the files packed into an attachment (basic:ArchiveType).
type Archive struct {
	File []ArchivedFile `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 File"`
}

// ArchivedFile is one file inside an archived attachment (basic:FileType).
type ArchivedFile struct {
	Name         string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Name"`
	NamespaceURI string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 NamespaceUri"`
}

// AttachmentHeaderList heads the attachments sent inline or by MTOM; it sits
// under the caller's signature while the contents do not.
type AttachmentHeaderList struct {
	AttachmentHeader []AttachmentHeader `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 AttachmentHeader"`
}

// AttachmentHeader describes one attachment (basic:AttachmentHeaderType).
type AttachmentHeader struct {
	ContentID      string   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 contentId"`
	NamespaceURI   string   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 NamespaceUri,omitempty"`
	MimeType       string   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 MimeType"`
	SignaturePKCS7 Base64   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 SignaturePKCS7,omitempty"`
	Archive        *Archive `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Archive,omitempty"`
}

// AttachmentContentList carries attachment contents outside the signed data.
type AttachmentContentList struct {
	AttachmentContent []AttachmentContent `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 AttachmentContent"`
}

// AttachmentContent is one attachment's content, paired with its header by ID.
type AttachmentContent struct {
	ID      string         `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Id"`
	Content AttachmentData `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Content"`
}

// AttachmentData is the content of an attachment: either inline base64 or,
// under MTOM, an xop:Include pointing at a MIME part.
type AttachmentData struct {
	// Inline holds the decoded bytes of inline base64 content.
	Inline []byte
	// Include is the href of an xop:Include ("cid:..."); empty for inline content.
	Include string
}

// MarshalXML writes an xop:Include when Include is set, base64 text otherwise.
func (a AttachmentData) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if a.Include != "" {
		inc := xml.StartElement{
			Name: xml.Name{Local: "xop:Include"},
			Attr: []xml.Attr{
				{Name: xml.Name{Local: "xmlns:xop"}, Value: NSXOP},
				{Name: xml.Name{Local: "href"}, Value: a.Include},
			},
		}
		if err := e.EncodeToken(inc); err != nil {
			return err
		}
		if err := e.EncodeToken(inc.End()); err != nil {
			return err
		}
	} else {
		text, _ := Base64(a.Inline).MarshalText()
		if err := e.EncodeToken(xml.CharData(text)); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML reads inline base64 or an xop:Include reference.
func (a *AttachmentData) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var text []byte
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("read attachment content: %w", err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			text = append(text, t...)
		case xml.StartElement:
			if t.Name.Space != NSXOP || t.Name.Local != "Include" {
				return fmt.Errorf("attachment content holds unexpected element {%s}%s", t.Name.Space, t.Name.Local)
			}
			for _, attr := range t.Attr {
				if attr.Name.Space == "" && attr.Name.Local == "href" {
					a.Include = attr.Value
				}
			}
			if a.Include == "" {
				return fmt.Errorf("xop:Include has no href")
			}
			if err := d.Skip(); err != nil {
				return fmt.Errorf("read xop:Include: %w", err)
			}
		case xml.EndElement:
			if a.Include != "" {
				if !isSpace(text) {
					return fmt.Errorf("attachment content mixes xop:Include and text")
				}
				return nil
			}
			decoded, err := decodeBase64(text)
			if err != nil {
				return fmt.Errorf("attachment content: %w", err)
			}
			a.Inline = decoded
			return nil
		case xml.Directive:
			return ErrDirective
		}
	}
}

// RefAttachmentHeaderList heads the attachments passed through file storage.
type RefAttachmentHeaderList struct {
	RefAttachmentHeader []RefAttachmentHeader `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 RefAttachmentHeader"`
}

// RefAttachmentHeader describes one file in file storage (basic:RefAttachmentHeaderType).
type RefAttachmentHeader struct {
	UUID         string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 uuid"`
	FileName     string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 FileName,omitempty"`
	NamespaceURI string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 NamespaceUri,omitempty"`
	// Hash is the base64 GOST R 34.11-2012 (256) digest of the file.
	Hash           string   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Hash"`
	MimeType       string   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 MimeType"`
	SignaturePKCS7 Base64   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 SignaturePKCS7,omitempty"`
	Archive        *Archive `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Archive,omitempty"`
}

// FSAttachmentsList tells the receiver where to fetch files from file storage.
type FSAttachmentsList struct {
	FSAttachment []FSAttachment `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 FSAttachment"`
}

// FSAttachment is the access data of one stored file (basic:FSAuthInfo).
type FSAttachment struct {
	UUID     string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 uuid"`
	UserName string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 UserName"`
	Password string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Password"`
	FileName string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 FileName"`
}

// MessageTypeSelector filters GetRequest/GetResponse by the qualified name of
// the business root element; both names empty means any type.
type MessageTypeSelector struct {
	XMLName              xml.Name  `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 MessageTypeSelector"`
	ID                   string    `xml:"Id,attr,omitempty"`
	NamespaceURI         string    `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 NamespaceURI,omitempty"`
	RootElementLocalName string    `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 RootElementLocalName,omitempty"`
	Timestamp            time.Time `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Timestamp"`
	NodeID               string    `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 NodeID,omitempty"`
}

// AckTargetMessage names the delivered message being acknowledged.
type AckTargetMessage struct {
	XMLName xml.Name `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 AckTargetMessage"`
	ID      string   `xml:"Id,attr"`
	// Accepted is false when the SMEV signature was rejected and the message ignored.
	Accepted *bool `xml:"accepted,attr,omitempty"`
	// MessageID is //MessageMetadata/MessageId of the delivered message.
	MessageID string `xml:",chardata"`
}

// Timestamp is basic:Timestamp, the signed element of GetStatus.
type Timestamp struct {
	XMLName xml.Name  `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Timestamp"`
	ID      string    `xml:"Id,attr,omitempty"`
	Value   time.Time `xml:",chardata"`
}

// SmevFault is basic:SmevFault as it appears inside AsyncProcessingStatus.
type SmevFault struct {
	Code        string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Code,omitempty"`
	Description string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Description,omitempty"`
}

// Party is the Sender or Recipient of MessageMetadata.
type Party struct {
	Mnemonic          string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 Mnemonic,omitempty"`
	HumanReadableName string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 HumanReadableName"`
}

// MessageMetadata is what SMEV records about a message; SMEV fills it.
type MessageMetadata struct {
	XMLName           xml.Name          `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 MessageMetadata"`
	ID                string            `xml:"Id,attr,omitempty"`
	MessageID         string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 MessageId,omitempty"`
	MessageType       MessageType       `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 MessageType"`
	Sender            *Party            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 Sender,omitempty"`
	SendingTimestamp  time.Time         `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SendingTimestamp"`
	Recipient         *Party            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 Recipient,omitempty"`
	DeliveryTimestamp *time.Time        `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 DeliveryTimestamp,omitempty"`
	Status            InteractionStatus `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 Status,omitempty"`
}

// SenderProvidedRequestData is the part of a request its sender signs.
type SenderProvidedRequestData struct {
	XMLName                 xml.Name                 `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SenderProvidedRequestData"`
	ID                      string                   `xml:"Id,attr,omitempty"`
	MessageID               string                   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 MessageID"`
	ReferenceMessageID      string                   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 ReferenceMessageID,omitempty"`
	TransactionCode         string                   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 TransactionCode,omitempty"`
	NodeID                  string                   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 NodeID,omitempty"`
	EOL                     *time.Time               `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 EOL,omitempty"`
	MessagePrimaryContent   MessagePrimaryContent    `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 MessagePrimaryContent"`
	PersonalSignature       *Signature               `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 PersonalSignature,omitempty"`
	AttachmentHeaderList    *AttachmentHeaderList    `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 AttachmentHeaderList,omitempty"`
	RefAttachmentHeaderList *RefAttachmentHeaderList `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 RefAttachmentHeaderList,omitempty"`
	BusinessProcessMetadata *RawElement              `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 BusinessProcessMetadata,omitempty"`
	TestMessage             *Void                    `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 TestMessage,omitempty"`
}

// RequestRejected is one reason a provider refuses to answer a request.
type RequestRejected struct {
	RejectionReasonCode        RejectCode `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 RejectionReasonCode"`
	RejectionReasonDescription string     `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 RejectionReasonDescription"`
}

// StatusParameter is a key/value pair of a business status.
type StatusParameter struct {
	Key   string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 Key"`
	Value string `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 Value"`
}

// RequestStatus is an intermediate business status sent instead of an answer.
type RequestStatus struct {
	StatusCode        int               `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 StatusCode"`
	StatusParameter   []StatusParameter `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 StatusParameter"`
	StatusDescription string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 StatusDescription"`
}

// AsyncProcessingStatus reports how SMEV processes a message.
type AsyncProcessingStatus struct {
	XMLName           xml.Name          `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 AsyncProcessingStatus"`
	OriginalMessageID string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 OriginalMessageId"`
	StatusCategory    InteractionStatus `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 StatusCategory"`
	StatusDetails     string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 StatusDetails,omitempty"`
	SmevFault         *SmevFault        `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SmevFault,omitempty"`
}

// SenderProvidedResponseData is the part of a response its sender signs. It
// holds exactly one of: content (MessagePrimaryContent with optional personal
// signature and attachment headers), RequestRejected, RequestStatus or
// AsyncProcessingStatus; Validate checks that.
type SenderProvidedResponseData struct {
	XMLName                 xml.Name                 `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SenderProvidedResponseData"`
	ID                      string                   `xml:"Id,attr,omitempty"`
	MessageID               string                   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 MessageID"`
	To                      string                   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 To"`
	MessagePrimaryContent   *MessagePrimaryContent   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 MessagePrimaryContent,omitempty"`
	PersonalSignature       *Signature               `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 PersonalSignature,omitempty"`
	AttachmentHeaderList    *AttachmentHeaderList    `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 AttachmentHeaderList,omitempty"`
	RefAttachmentHeaderList *RefAttachmentHeaderList `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 RefAttachmentHeaderList,omitempty"`
	RequestRejected         []RequestRejected        `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 RequestRejected"`
	RequestStatus           *RequestStatus           `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 RequestStatus,omitempty"`
	AsyncProcessingStatus   *AsyncProcessingStatus   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 AsyncProcessingStatus,omitempty"`
}

// Validate checks that exactly one branch of the schema's choice is filled
// and that the personal signature and headers only come with content.
func (r *SenderProvidedResponseData) Validate() error {
	branches := 0
	if r.MessagePrimaryContent != nil {
		branches++
	} else if r.PersonalSignature != nil || r.AttachmentHeaderList != nil || r.RefAttachmentHeaderList != nil {
		return fmt.Errorf("SenderProvidedResponseData: signature or attachment headers without MessagePrimaryContent")
	}
	if len(r.RequestRejected) > 0 {
		branches++
	}
	if r.RequestStatus != nil {
		branches++
	}
	if r.AsyncProcessingStatus != nil {
		branches++
	}
	if branches != 1 {
		return fmt.Errorf("SenderProvidedResponseData: want exactly one of content, RequestRejected, RequestStatus, AsyncProcessingStatus, have %d", branches)
	}
	return nil
}

// SendRequestRequest is the body of SendRequest.
type SendRequestRequest struct {
	XMLName                          xml.Name                  `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SendRequestRequest"`
	SenderProvidedRequestData        SenderProvidedRequestData `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SenderProvidedRequestData"`
	AttachmentContentList            *AttachmentContentList    `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 AttachmentContentList,omitempty"`
	CallerInformationSystemSignature *Signature                `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 CallerInformationSystemSignature,omitempty"`
}

// SendRequestResponse is the reply to SendRequest: the request is accepted.
type SendRequestResponse struct {
	XMLName         xml.Name        `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SendRequestResponse"`
	MessageMetadata MessageMetadata `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 MessageMetadata"`
	SMEVSignature   *Signature      `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SMEVSignature,omitempty"`
}

// SendResponseRequest is the body of SendResponse.
type SendResponseRequest struct {
	XMLName                          xml.Name                   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SendResponseRequest"`
	SenderProvidedResponseData       SenderProvidedResponseData `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SenderProvidedResponseData"`
	AttachmentContentList            *AttachmentContentList     `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 AttachmentContentList,omitempty"`
	CallerInformationSystemSignature *Signature                 `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 CallerInformationSystemSignature,omitempty"`
}

// SendResponseResponse is the reply to SendResponse: the response is accepted.
type SendResponseResponse struct {
	XMLName         xml.Name        `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SendResponseResponse"`
	MessageMetadata MessageMetadata `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 MessageMetadata"`
	SMEVSignature   *Signature      `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SMEVSignature,omitempty"`
}

// GetRequestRequest is the body of GetRequest.
type GetRequestRequest struct {
	XMLName                          xml.Name            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 GetRequestRequest"`
	MessageTypeSelector              MessageTypeSelector `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 MessageTypeSelector"`
	CallerInformationSystemSignature *Signature          `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 CallerInformationSystemSignature,omitempty"`
}

// Request is a request as SMEV delivers it.
type Request struct {
	XMLName                          xml.Name                  `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 Request"`
	ID                               string                    `xml:"Id,attr,omitempty"`
	SenderProvidedRequestData        SenderProvidedRequestData `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SenderProvidedRequestData"`
	MessageMetadata                  MessageMetadata           `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 MessageMetadata"`
	FSAttachmentsList                *FSAttachmentsList        `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 FSAttachmentsList,omitempty"`
	ReplyTo                          string                    `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 ReplyTo,omitempty"`
	SenderInformationSystemSignature *Signature                `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SenderInformationSystemSignature,omitempty"`
}

// RequestMessage is a delivered request with its attachments and SMEV's signature.
type RequestMessage struct {
	Request               Request                `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 Request"`
	AttachmentContentList *AttachmentContentList `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 AttachmentContentList,omitempty"`
	SMEVSignature         *Signature             `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SMEVSignature,omitempty"`
}

// GetRequestResponse is the reply to GetRequest; a nil RequestMessage means
// the queue is empty.
type GetRequestResponse struct {
	XMLName        xml.Name        `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 GetRequestResponse"`
	RequestMessage *RequestMessage `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 RequestMessage,omitempty"`
}

// GetResponseRequest is the body of GetResponse.
type GetResponseRequest struct {
	XMLName                          xml.Name            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 GetResponseRequest"`
	MessageTypeSelector              MessageTypeSelector `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 MessageTypeSelector"`
	CallerInformationSystemSignature *Signature          `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 CallerInformationSystemSignature,omitempty"`
}

// Response is a response as SMEV delivers it.
type Response struct {
	XMLName                          xml.Name                   `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 Response"`
	ID                               string                     `xml:"Id,attr,omitempty"`
	OriginalMessageID                string                     `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 OriginalMessageId,omitempty"`
	OriginalTransactionCode          string                     `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 OriginalTransactionCode,omitempty"`
	ReferenceMessageID               string                     `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 ReferenceMessageID,omitempty"`
	SenderProvidedResponseData       SenderProvidedResponseData `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SenderProvidedResponseData"`
	MessageMetadata                  MessageMetadata            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 MessageMetadata"`
	FSAttachmentsList                *FSAttachmentsList         `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 FSAttachmentsList,omitempty"`
	SenderInformationSystemSignature *Signature                 `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SenderInformationSystemSignature,omitempty"`
}

// ResponseMessage is a delivered response with its attachments and SMEV's signature.
type ResponseMessage struct {
	Response              Response               `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 Response"`
	AttachmentContentList *AttachmentContentList `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 AttachmentContentList,omitempty"`
	SMEVSignature         *Signature             `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SMEVSignature,omitempty"`
}

// GetResponseResponse is the reply to GetResponse; a nil ResponseMessage
// means the queue is empty.
type GetResponseResponse struct {
	XMLName         xml.Name         `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 GetResponseResponse"`
	ResponseMessage *ResponseMessage `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 ResponseMessage,omitempty"`
}

// AckRequest is the body of Ack.
type AckRequest struct {
	XMLName                          xml.Name         `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 AckRequest"`
	AckTargetMessage                 AckTargetMessage `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 AckTargetMessage"`
	CallerInformationSystemSignature *Signature       `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 CallerInformationSystemSignature,omitempty"`
}

// AckResponse is the (empty) reply to Ack.
type AckResponse struct {
	XMLName xml.Name `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 AckResponse"`
}

// GetStatusRequest is the body of GetStatus; the schema requires the signature.
type GetStatusRequest struct {
	XMLName                          xml.Name  `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 GetStatusRequest"`
	Timestamp                        Timestamp `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Timestamp"`
	CallerInformationSystemSignature Signature `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 CallerInformationSystemSignature"`
}

// AsyncProcessingStatusData wraps the status SMEV signs in GetStatus replies.
type AsyncProcessingStatusData struct {
	ID                    string                `xml:"Id,attr,omitempty"`
	AsyncProcessingStatus AsyncProcessingStatus `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 AsyncProcessingStatus"`
}

// SmevAsyncProcessingMessage is one processing status with SMEV's signature.
type SmevAsyncProcessingMessage struct {
	AsyncProcessingStatusData AsyncProcessingStatusData `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 AsyncProcessingStatusData"`
	SMEVSignature             *Signature                `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SMEVSignature,omitempty"`
}

// GetStatusResponse is the reply to GetStatus; nil means no status is queued.
type GetStatusResponse struct {
	XMLName                    xml.Name                    `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 GetStatusResponse"`
	SmevAsyncProcessingMessage *SmevAsyncProcessingMessage `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 SmevAsyncProcessingMessage,omitempty"`
}
