// Package smevclient is Okno's client of SMEV 3, the interagency message
// bus (schema version 1.3): it sends requests and responses, takes
// deliveries from the queues, acknowledges them and reads processing
// statuses. The wire model lives in the message subpackage, shared with the
// SMEV stand.
//
// What the client does for every call:
//   - signs the element SMEV requires (CallerInformationSystemSignature, ЭП-ОВ)
//     through a Signer, and checks SMEV's signature on replies through a
//     Verifier against pinned SMEV certificates; XMLDSigSigner and
//     XMLDSigVerifier do both with GOST R 34.10-2012 via internal/esign/xmlsig;
//   - writes SOAP 1.1 with SOAPAction "urn:<Operation>", element order as in
//     the XSD, MessageID a lowercase UUID v1;
//   - sends attachments by MTOM, streamed from their sources, or, above
//     Config.FileStorageThreshold (5 MiB by default), through FileStorage with
//     a Streebog-256 hash in RefAttachmentHeader;
//   - retries transport failures and SMEVFailure with bounded, jittered
//     backoff; on a retry MessageIsAlreadySent means delivered, StaleMessageId
//     means a fresh MessageID;
//   - returns SMEV faults as *Fault (errors.Is by kind), untrustworthy
//     replies as typed errors (ErrSignatureMissing, ErrUnknownSigner,
//     ErrAttachmentMissing, ErrBadReply, ...), the caller's mistakes as
//     *InputError (nothing sent) and unreadable attachment sources as
//     *AttachmentError (not retried); a delivery that decoded, names a
//     message id and still cannot be trusted comes as
//     *UnverifiedDeliveryError (wrapping the reason) so that the caller can
//     count it and in the end acknowledge it accepted=false;
//   - journals every envelope sent and received to Config.JournalDir
//     (OKNO_SMEV_JOURNAL_DIR in the server), one file each, exact bytes.
//
// Wiring, once per agency, in internal/smevlink:
//
//	smev, err := smevclient.New(smevclient.Config{
//		Endpoint:         cfg.SMEVURL,
//		Signer:           smevclient.XMLDSigSigner{Key: agencySigner, Certificate: agencySigner.Cert.Raw},
//		Verifier:         smevclient.XMLDSigVerifier{},
//		SMEVCertificates: [][]byte{smevCertDER},
//		Storage:          fileStorage,
//		JournalDir:       os.Getenv("OKNO_SMEV_JOURNAL_DIR"),
//	})
//
// The client never acknowledges on its own. Intake pulls, stores, then acks:
//
//	for {
//		d, err := smev.GetRequest(ctx, smevclient.Selector{}) // any type
//		if err != nil {
//			return err // the message, if any, stays queued and comes back
//		}
//		if d == nil {
//			break // queue empty
//		}
//		if err := intake.Store(ctx, d); err != nil { // durably, with d.ReplyTo
//			return err
//		}
//		if err := smev.Ack(ctx, d.MessageID, true); err != nil {
//			return err // redelivery is harmless: Store is idempotent on d.MessageID
//		}
//	}
//
// A status goes to the applicant's cabinet as a request of the ЕЛК type,
// or as a response to the portal's request:
//
//	sent, err := smev.SendRequest(ctx, smevclient.Request{Content: elkOrderRequestXML})
//	// or
//	sent, err := smev.SendResponse(ctx, smevclient.Response{
//		To:     d.ReplyTo,
//		Status: &message.RequestStatus{StatusCode: 3, StatusDescription: "Исполнено"},
//	})
//
// Keep sent.MessageID: it may differ from the one asked for after
// StaleMessageId, and answers refer to it.
package smevclient
