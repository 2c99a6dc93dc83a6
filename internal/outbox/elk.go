package outbox

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// ELK (the applicant's cabinet on the portal) status messages.
const (
	ELKNamespace     = "http://epgu.gosuslugi.ru/elk/status/1.0.2"
	ELKRequestRoot   = "ElkOrderRequest"
	ELKResponseRoot  = "ElkOrderResponse"
	elkDateTimeStyle = "2006-01-02T15:04:05Z07:00"
)

type elkOrderRequest struct {
	XMLName xml.Name   `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 ElkOrderRequest"`
	Env     string     `xml:"env,attr"`
	Create  *elkOrders `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 CreateOrdersRequest,omitempty"`
	Update  *elkOrders `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 UpdateOrdersRequest,omitempty"`
}

type elkOrders struct {
	Orders []elkOrder `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 orders>order"`
}

type elkOrder struct {
	User               *elkUser         `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 user,omitempty"`
	Organization       *elkOrganization `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 organization,omitempty"`
	ElkOrderNumber     string           `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 elkOrderNumber,omitempty"`
	SenderINN          string           `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 senderInn,omitempty"`
	ServiceTargetCode  string           `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 serviceTargetCode,omitempty"`
	UserSelectedRegion string           `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 userSelectedRegion,omitempty"`
	OrderNumber        string           `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 orderNumber"`
	RequestDate        string           `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 requestDate,omitempty"`
	Statuses           []elkStatus      `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 statusHistoryList>statusHistory"`
}

type elkUser struct {
	SNILS      string `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 userDocSnils,omitempty"`
	LastName   string `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 lastName,omitempty"`
	FirstName  string `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 firstName,omitempty"`
	MiddleName string `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 middleName,omitempty"`
}

type elkOrganization struct {
	OGRNINN string `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 ogrn_inn_UL,omitempty"`
}

type elkStatus struct {
	Status      int    `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 status"`
	StatusExtID string `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 statusExtId"`
	StatusDate  string `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 statusDate"`
	Comment     string `xml:"http://epgu.gosuslugi.ru/elk/status/1.0.2 statusComment,omitempty"`
}

// elkStatusRequest builds the message that puts one status of a case into
// the applicant's cabinet. A portal application updates its existing order;
// an office application creates the order in the cabinet with its first
// status, naming its service by targetCode and its applicant.
func elkStatusRequest(env, senderINN string, c cases.Case, targetCode string, e cases.Event, code int) ([]byte, error) {
	order := elkOrder{
		SenderINN: senderINN, OrderNumber: c.Number, ElkOrderNumber: c.PortalOrderID, UserSelectedRegion: c.Region,
		Statuses: []elkStatus{{
			Status: code, StatusExtID: c.ID.String() + "/" + strconv.Itoa(e.Seq),
			StatusDate: e.At.UTC().Format(elkDateTimeStyle), Comment: statusComment(e),
		}},
	}
	req := elkOrderRequest{Env: env}
	if createsOrder(c) {
		order.RequestDate = c.ReceivedAt.UTC().Format(elkDateTimeStyle)
		order.ServiceTargetCode = targetCode
		switch c.ApplicantKind {
		case forms.KindLegalEntity, forms.KindSoleProprietor, forms.KindForeignRepresentative:
			order.Organization = &elkOrganization{OGRNINN: c.ApplicantOGRN + "_" + c.ApplicantINN}
		default:
			order.User = &elkUser{SNILS: c.ApplicantSNILS, LastName: c.Applicant.LastName, FirstName: c.Applicant.FirstName, MiddleName: c.Applicant.MiddleName}
		}
		req.Create = &elkOrders{Orders: []elkOrder{order}}
	} else {
		req.Update = &elkOrders{Orders: []elkOrder{order}}
	}
	out, err := xml.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode ElkOrderRequest for %s: %w", c.Number, err)
	}
	return out, nil
}

// createsOrder tells an office application whose order the cabinet does
// not know yet: its next status creates the order.
func createsOrder(c cases.Case) bool {
	return c.Channel == forms.ChannelOffice && c.PortalOrderID == ""
}

// statusComment is what the cabinet shows with the status: its title and
// the message written for the applicant. The event's comment is for the
// agency's staff and never goes to the portal.
func statusComment(e cases.Event) string {
	title := e.ToStatus.Title()
	if m := e.ToApplicant(); m != "" {
		return title + ". " + m
	}
	return title
}

// elkOrderResponse is the portal's answer: code 0 for each accepted order,
// with the number the cabinet gave the order.
type elkOrderResponse struct {
	XMLName xml.Name
	Code    int    `xml:"response>code"`
	Message string `xml:"response>message"`
	Orders  []struct {
		ElkOrderNumber string `xml:"elkOrderNumber"`
		Code           int    `xml:"code"`
		Message        string `xml:"message"`
	} `xml:"response>orders>order"`
}

// elkAnswer is what Okno keeps of the portal's answer.
type elkAnswer struct {
	accepted bool
	reason   string
	// orderNumber is the cabinet's number of the order, which an order
	// created from the office learns only from this answer.
	orderNumber string
}

// parseELKResponse tells whether the portal accepted the statuses and why not.
func parseELKResponse(content []byte) (elkAnswer, error) {
	var r elkOrderResponse
	if err := xml.Unmarshal(content, &r); err != nil {
		return elkAnswer{}, fmt.Errorf("decode ElkOrderResponse: %w", err)
	}
	if r.Code != 0 {
		return elkAnswer{reason: fmt.Sprintf("портал: код %d, %s", r.Code, r.Message)}, nil
	}
	a := elkAnswer{accepted: true}
	for _, o := range r.Orders {
		if o.Code != 0 {
			return elkAnswer{reason: fmt.Sprintf("портал: код %d, %s", o.Code, o.Message)}, nil
		}
		a.orderNumber = o.ElkOrderNumber
	}
	return a, nil
}

// TakeAnswer records the portal's answer to a sent status: accepted or
// failed with the portal's reason, and the cabinet's order number when the
// status created the order. An answer that cannot be read fails the
// delivery with the reason, so the card shows it; the caller acknowledges
// the message after TakeAnswer returns without error.
func (s *Service) TakeAnswer(ctx context.Context, agencyID uuid.UUID, d *smevclient.Delivery) error {
	answer, perr := parseELKResponse(d.Content)
	if perr != nil {
		answer = elkAnswer{reason: perr.Error()}
	}
	original := ""
	if d.Response != nil {
		original = d.Response.OriginalMessageID
	}
	return s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		caseID, err := markDeliveryAnswered(ctx, tx, original, answer.accepted, answer.reason)
		if err != nil || caseID == uuid.Nil || answer.orderNumber == "" {
			return err
		}
		return cases.LearnPortalOrder(ctx, tx, caseID, answer.orderNumber)
	})
}
