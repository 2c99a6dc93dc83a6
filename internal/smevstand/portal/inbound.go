package portal

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/applicants"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/filestore"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// ELK namespaces the portal accepts status updates in.
const (
	ELKStatusNS = "http://epgu.gosuslugi.ru/elk/status/1.0.2"
	ELKRoot     = "ElkOrderRequest"
)

// elkRequest is the part of ElkOrderRequest the portal reads; element
// names match in any ELK namespace version.
type elkRequest struct {
	XMLName xml.Name
	Env     string     `xml:"env,attr"`
	Create  *elkOrders `xml:"CreateOrdersRequest"`
	Update  *elkOrders `xml:"UpdateOrdersRequest"`
}

type elkOrders struct {
	Orders []elkOrder `xml:"orders>order"`
}

type elkOrder struct {
	User *struct {
		LastName   string `xml:"lastName"`
		FirstName  string `xml:"firstName"`
		MiddleName string `xml:"middleName"`
	} `xml:"user"`
	Organization *struct {
		OGRNINN string `xml:"ogrn_inn_UL"`
	} `xml:"organization"`
	ElkOrderNumber    string      `xml:"elkOrderNumber"`
	OrderNumber       string      `xml:"orderNumber"`
	SenderINN         string      `xml:"senderInn"`
	ServiceTargetCode string      `xml:"serviceTargetCode"`
	Statuses          []elkStatus `xml:"statusHistoryList>statusHistory"`
}

type elkStatus struct {
	Status      int             `xml:"status"`
	StatusExtID string          `xml:"statusExtId"`
	StatusDate  string          `xml:"statusDate"`
	Comment     string          `xml:"statusComment"`
	Attachments []elkAttachment `xml:"attachments>attachment"`
}

type elkAttachment struct {
	FSuuid    string `xml:"FSuuid"`
	DocTypeID string `xml:"docTypeId"`
}

// elkResponse is ElkOrderResponse: a code per order, 0 meaning accepted.
type elkResponse struct {
	XMLName xml.Name
	Code    int             `xml:"response>code"`
	Message string          `xml:"response>message"`
	Orders  []elkOrderReply `xml:"response>orders>order"`
}

type elkOrderReply struct {
	ElkOrderNumber string `xml:"elkOrderNumber,omitempty"`
	OrderNumber    string `xml:"orderNumber,omitempty"`
	Code           int    `xml:"code"`
	Message        string `xml:"message"`
}

// statusNames are the ЕСНСИ 7212 titles shown in the cabinet.
var statusNames = map[int]string{
	1: "Принято от заявителя", 2: "Отправлено в ведомство", 3: "Исполнено", 4: "Отказ",
	5: "Ошибка отправки в ведомство", 6: "Принято ведомством", 7: "Промежуточные результаты",
	9: "В процессе отмены", 10: "Отменено", 11: "Неподтверждённая отмена", 12: "Входящее сообщение",
	14: "Ожидание дополнительной информации от пользователя", 15: "Требует корректировки", 16: "Исходящее сообщение",
}

// StatusName is the cabinet's title of an ELK status code.
func StatusName(code int) string {
	if n, ok := statusNames[code]; ok {
		return n
	}
	return "Статус " + strconv.Itoa(code)
}

// takeRequest records an agency's ElkOrderRequest, answers it with
// ElkOrderResponse and acknowledges it.
func (p *Portal) takeRequest(ctx context.Context, rm *message.RequestMessage) error {
	req := rm.Request
	data := req.SenderProvidedRequestData
	var elk elkRequest
	decodeErr := xml.Unmarshal(data.MessagePrimaryContent.XML, &elk)
	if decodeErr == nil && elk.XMLName.Local != ELKRoot {
		decodeErr = fmt.Errorf("root element %s is not %s", elk.XMLName.Local, ELKRoot)
	}
	reply := elkResponse{XMLName: xml.Name{Space: elk.XMLName.Space, Local: "ElkOrderResponse"}, Message: "OK"}
	if reply.XMLName.Space == "" {
		reply.XMLName.Space = ELKStatusNS
	}
	if decodeErr != nil {
		reply.Code, reply.Message = 1, "Сообщение не разобрано: "+decodeErr.Error()
	} else {
		files := delivered(req.SenderProvidedRequestData.RefAttachmentHeaderList, req.FSAttachmentsList)
		var orders []elkOrder
		if elk.Create != nil {
			orders = append(orders, elk.Create.Orders...)
		}
		if elk.Update != nil {
			orders = append(orders, elk.Update.Orders...)
		}
		for _, o := range orders {
			reply.Orders = append(reply.Orders, p.takeOrder(ctx, o, elk.Create != nil, req.MessageMetadata, files))
		}
	}
	content, err := xml.Marshal(reply)
	if err != nil {
		return fmt.Errorf("portal: encode ElkOrderResponse: %w", err)
	}
	id, err := uuid.NewUUID()
	if err != nil {
		return fmt.Errorf("portal: message id: %w", err)
	}
	answer := &message.SendResponseRequest{SenderProvidedResponseData: message.SenderProvidedResponseData{
		ID: "SIGNED_BY_EPGU", MessageID: id.String(), To: req.ReplyTo,
		MessagePrimaryContent: &message.MessagePrimaryContent{XML: content},
	}}
	sig, err := bus.SignAs(p.cfg.Signer, &answer.SenderProvidedResponseData, answer.SenderProvidedResponseData.ID)
	if err != nil {
		return fmt.Errorf("portal: answer ElkOrderRequest %s: %w", req.MessageMetadata.MessageID, err)
	}
	_, err = p.cfg.Bus.SendResponse(ctx, bus.Outgoing{Sender: p.cfg.Mnemonic, Signature: sig}, answer)
	if err != nil {
		return fmt.Errorf("portal: answer ElkOrderRequest %s: %w", req.MessageMetadata.MessageID, err)
	}
	return p.cfg.Bus.Ack(ctx, p.cfg.Mnemonic, message.AckTargetMessage{MessageID: req.MessageMetadata.MessageID})
}

// takeOrder records the statuses of one order and returns its reply line.
func (p *Portal) takeOrder(ctx context.Context, o elkOrder, create bool, md message.MessageMetadata, files map[string]store.EventFile) elkOrderReply {
	line := elkOrderReply{ElkOrderNumber: o.ElkOrderNumber, OrderNumber: o.OrderNumber}
	app, err := p.findOrder(ctx, o)
	if errors.Is(err, store.ErrNotFound) && create {
		app, err = p.officeOrder(ctx, o, md)
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			line.Code, line.Message = 4, "Заявление не найдено"
			return line
		}
		p.cfg.Log.Error("portal: find order", "err", err)
		line.Code, line.Message = 5, "Внутренняя ошибка портала"
		return line
	}
	line.ElkOrderNumber = strconv.FormatInt(app.OrderNumber, 10)
	for _, st := range o.Statuses {
		at, err := time.Parse(time.RFC3339, st.StatusDate)
		if err != nil {
			at = p.cfg.Now()
		}
		e := store.ApplicationEvent{At: at, Direction: "in", StatusCode: ptr(st.Status), Title: StatusName(st.Status), Comment: st.Comment}
		if id, err := uuid.Parse(md.MessageID); err == nil {
			e.MessageID = &id
		}
		for _, a := range st.Attachments {
			f, ok := files[a.FSuuid]
			if !ok {
				f = store.EventFile{UUID: a.FSuuid, Name: "Файл " + a.FSuuid}
			}
			f.DocType = a.DocTypeID
			e.Files = append(e.Files, f)
		}
		added, err := p.cfg.Store.RecordApplicationEvent(ctx, app.ID, e)
		if err != nil {
			p.cfg.Log.Error("portal: record status", "order", app.OrderNumber, "err", err)
			line.Code, line.Message = 5, "Внутренняя ошибка портала"
			return line
		}
		if added && st.Status == StatusWaitingForInput { // a message delivered again asks the applicant once
			if err := p.cfg.Store.AddTask(ctx, p.cfg.Mnemonic, taskExtraDocuments, p.cfg.Now().Add(p.cfg.ExtraDocsDelay),
				extraDocsTask{Application: app.ID, Comment: st.Comment}); err != nil {
				p.cfg.Log.Error("portal: schedule extra documents", "order", app.OrderNumber, "err", err)
			}
		}
	}
	line.Message = "Статусы приняты"
	return line
}

func (p *Portal) findOrder(ctx context.Context, o elkOrder) (*store.Application, error) {
	for _, s := range []string{o.ElkOrderNumber, o.OrderNumber} {
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			return p.cfg.Store.ApplicationByOrderNumber(ctx, n)
		}
	}
	return nil, fmt.Errorf("order without a number: %w", store.ErrNotFound)
}

// officeOrder records an order an agency created for an application filed
// at its office, so its statuses reach the cabinet too.
func (p *Portal) officeOrder(ctx context.Context, o elkOrder, md message.MessageMetadata) (*store.Application, error) {
	n, err := p.cfg.Store.ReserveOrderNumber(ctx)
	if err != nil {
		return nil, err
	}
	name := "Заявление, поданное в ведомстве"
	code := "office"
	for _, s := range p.cfg.Services {
		if s.TargetCode == o.ServiceTargetCode {
			name, code = s.Name, s.Code
		}
	}
	recipient := ""
	if md.Sender != nil {
		recipient = md.Sender.Mnemonic
	}
	id := uuid.New()
	app := &store.Application{ID: id, OrderNumber: n, ServiceCode: code, ServiceName: name, Recipient: recipient,
		ApplicantName: officeApplicant(o), Applicant: json.RawMessage(`{}`), CreatedAt: p.cfg.Now()}
	if err := p.cfg.Store.InsertApplication(ctx, app); err != nil {
		return nil, err
	}
	return app, nil
}

// officeApplicant is who the cabinet shows as the applicant of an office
// order: the person or the organisation the agency named in it.
func officeApplicant(o elkOrder) string {
	if o.User != nil {
		if name := strings.Join(strings.Fields(o.User.LastName+" "+o.User.FirstName+" "+o.User.MiddleName), " "); name != "" {
			return name
		}
	}
	if o.Organization != nil && o.Organization.OGRNINN != "" {
		ogrn, inn, _ := strings.Cut(o.Organization.OGRNINN, "_")
		return "Организация, ОГРН " + ogrn + ", ИНН " + inn
	}
	return "Номер в ведомстве " + o.OrderNumber
}

// delivered maps the uuids of stored files that came with a message to
// what the cabinet shows of them.
func delivered(refs *message.RefAttachmentHeaderList, fs *message.FSAttachmentsList) map[string]store.EventFile {
	out := map[string]store.EventFile{}
	if fs != nil {
		for _, f := range fs.FSAttachment {
			out[f.UUID] = store.EventFile{UUID: f.UUID, Name: f.FileName}
		}
	}
	if refs != nil {
		for _, r := range refs.RefAttachmentHeader {
			f := out[r.UUID]
			f.UUID, f.MimeType, f.Signature = r.UUID, r.MimeType, r.SignaturePKCS7
			if f.Name == "" {
				f.Name = r.FileName
			}
			out[r.UUID] = f
		}
	}
	return out
}

// takeResponse records the agency's answer to an application.
func (p *Portal) takeResponse(ctx context.Context, rm *message.ResponseMessage) error {
	r := rm.Response
	ack := func() error {
		return p.cfg.Bus.Ack(ctx, p.cfg.Mnemonic, message.AckTargetMessage{MessageID: r.MessageMetadata.MessageID})
	}
	appID, err := uuid.Parse(r.OriginalMessageID)
	if err != nil {
		return ack()
	}
	app, err := p.cfg.Store.Application(ctx, appID)
	if errors.Is(err, store.ErrNotFound) {
		// Not an application's own message: perhaps its withdrawal's.
		if err := p.takeLaterAnswer(ctx, &r); err != nil {
			return err
		}
		return ack()
	}
	if err != nil {
		return err
	}
	data := r.SenderProvidedResponseData
	e := store.ApplicationEvent{At: p.cfg.Now(), Direction: "in"}
	if id, err := uuid.Parse(r.MessageMetadata.MessageID); err == nil {
		e.MessageID = &id
	}
	switch {
	case len(data.RequestRejected) > 0:
		e.StatusCode, e.Title = ptr(StatusRefused), "Отказ ведомства"
		var reasons []string
		for _, rej := range data.RequestRejected {
			reasons = append(reasons, string(rej.RejectionReasonCode)+": "+rej.RejectionReasonDescription)
		}
		e.Comment = strings.Join(reasons, "; ")
	case data.RequestStatus != nil:
		e.StatusCode, e.Title, e.Comment = ptr(data.RequestStatus.StatusCode), StatusName(data.RequestStatus.StatusCode), data.RequestStatus.StatusDescription
	case data.AsyncProcessingStatus != nil:
		e.Title, e.Comment = "Статус обработки", string(data.AsyncProcessingStatus.StatusCategory)
	default:
		e.StatusCode, e.Title = ptr(StatusDone), "Результат предоставления услуги"
		files, err := p.keepDelivered(ctx, data, rm.AttachmentContentList, r.FSAttachmentsList)
		if err != nil {
			return err
		}
		e.Files = files
	}
	added, err := p.cfg.Store.RecordApplicationEvent(ctx, app.ID, e)
	if err != nil {
		return err
	}
	if added && data.RequestStatus != nil && data.RequestStatus.StatusCode == StatusWaitingForInput {
		if err := p.cfg.Store.AddTask(ctx, p.cfg.Mnemonic, taskExtraDocuments, p.cfg.Now().Add(p.cfg.ExtraDocsDelay),
			extraDocsTask{Application: app.ID, Comment: data.RequestStatus.StatusDescription}); err != nil {
			return err
		}
	}
	return ack()
}

// keepDelivered stores inline result files in the file storage and lists
// stored ones, each with the signature its header carried.
func (p *Portal) keepDelivered(ctx context.Context, data message.SenderProvidedResponseData, contents *message.AttachmentContentList, fs *message.FSAttachmentsList) ([]store.EventFile, error) {
	var files []store.EventFile
	if data.AttachmentHeaderList != nil && contents != nil {
		byID := map[string][]byte{}
		for _, c := range contents.AttachmentContent {
			byID[c.ID] = c.Content.Inline
		}
		for _, h := range data.AttachmentHeaderList.AttachmentHeader {
			name := h.ContentID + extension(h.MimeType)
			f, err := filestore.Put(ctx, p.cfg.Store, p.cfg.Mnemonic, name, h.MimeType, byID[h.ContentID], p.cfg.Now())
			if err != nil {
				return nil, err
			}
			files = append(files, store.EventFile{UUID: f.UUID.String(), Name: name, MimeType: h.MimeType, Signature: h.SignaturePKCS7})
		}
	}
	for _, f := range delivered(data.RefAttachmentHeaderList, fs) {
		files = append(files, f)
	}
	return files, nil
}

func extension(mimeType string) string {
	switch mimeType {
	case "application/pdf":
		return ".pdf"
	case "application/xml", "text/xml":
		return ".xml"
	case "application/zip":
		return ".zip"
	}
	return ".bin"
}

const taskExtraDocuments = "extra-documents"

type extraDocsTask struct {
	Application uuid.UUID `json:"application"`
	Comment     string    `json:"comment"`
}

// runTask does scheduled portal work: today, the applicant answering a
// request for more documents with new scans, referencing the application.
func (p *Portal) runTask(ctx context.Context, t store.Task) error {
	if t.Kind != taskExtraDocuments {
		return fmt.Errorf("portal: unknown task kind %q", t.Kind)
	}
	var task extraDocsTask
	if err := json.Unmarshal(t.Payload, &task); err != nil {
		return fmt.Errorf("portal: decode task: %w", err)
	}
	app, err := p.cfg.Store.Application(ctx, task.Application)
	if err != nil {
		return err
	}
	var svc *Service
	for i := range p.cfg.Services {
		if p.cfg.Services[i].Code == app.ServiceCode {
			svc = &p.cfg.Services[i]
		}
	}
	if svc == nil {
		return nil // a service the portal does not offer: the applicant answers at the office
	}
	var who struct {
		Person  applicants.Person   `json:"person"`
		Company *applicants.Company `json:"company"`
	}
	if err := json.Unmarshal(app.Applicant, &who); err != nil {
		return fmt.Errorf("portal: applicant of order %d: %w", app.OrderNumber, err)
	}
	if who.Person.SNILS == "" {
		return nil // an order filed at the agency's office: the applicant answers there
	}
	now := p.cfg.Now()
	// The stand keeps no applicant keys: a fresh certificate in the same name will do.
	signer, err := signing.Person(who.Person.LastName, who.Person.FirstName+" "+who.Person.MiddleName, who.Person.SNILS, now)
	if err != nil {
		return err
	}
	docs, err := p.scans([]string{"Дополнительные документы по запросу ведомства"}, app.ApplicantName, []Field{{Value: task.Comment}}, signer, now)
	if err != nil {
		return err
	}
	form := newForm(*svc, app.OrderNumber, who.Person.Address.OKTMO, applicantForm(&who.Person, who.Company), nil, now)
	form.Additional = &formNote{ReplyTo: StatusWaitingForInput, Text: "Направляю дополнительные документы. " + task.Comment}
	id, err := uuid.NewUUID()
	if err != nil {
		return fmt.Errorf("portal: message id: %w", err)
	}
	if err := p.send(ctx, id, app.ID, form, docs); err != nil {
		return err
	}
	files, err := p.keep(ctx, docs, now)
	if err != nil {
		return err
	}
	return p.cfg.Store.AddApplicationEvent(ctx, app.ID, store.ApplicationEvent{
		At: now, Direction: "out", Title: "Заявитель направил дополнительные документы", Comment: task.Comment, MessageID: &id, Files: files,
	})
}
