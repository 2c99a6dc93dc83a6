package message_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/okno-oiv/okno/internal/smevclient/internal/schematest"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

func TestFaultRoundTripValidatesAgainstSchema(t *testing.T) {
	tests := []message.Fault{
		{Kind: message.FaultBusinessDataTypeIsNotSupported, Code: "B1", Description: "не поддерживается", RootElementLocalName: "FormData", RootElementNamespaceURI: "urn:form"},
		{Kind: message.FaultInvalidContent, ValidationErrors: []message.ValidationError{{Position: 12, Message: "cvc-complex-type.2.4.a"}, {Position: 40, Message: "second"}}},
		{Kind: message.FaultUnknownMessageType},
		{Kind: message.FaultTransactionCodeInvalid, Code: "T1"},
		{Kind: message.FaultMessageIsAlreadySent, FaultString: "Сообщение уже отправлено"},
		{Kind: message.FaultInvalidMessageIDFormat},
		{Kind: message.FaultStaleMessageID},
		{Kind: message.FaultAttachmentContentMiscoordination},
		{Kind: message.FaultAttachmentSizeLimitExceeded, PermittedTotalSize: 5 << 20, RealTotalSize: 6 << 20},
		{Kind: message.FaultQuoteLimitExceeded, RemainedQuoteSize: 10, RealTotalSize: 11},
		{Kind: message.FaultAccessDenied},
		{Kind: message.FaultPersonalAccessDenied, Description: "нет доступа"},
		{Kind: message.FaultSignatureVerification, SignatureCode: message.SigCertificateIsExpired},
		{Kind: message.FaultSMEVFailure},
		{Kind: message.FaultIncorrectResponseContentType},
		{Kind: message.FaultRecipientIsNotFound},
		{Kind: message.FaultSenderIsNotRegistered},
		{Kind: message.FaultRequestIsNotFound},
		{Kind: message.FaultTargetMessageIsNotFound},
		{Kind: message.FaultDestinationOverflow, MessageBrokerAddress: "mq://b", DestinationName: "q1"},
		{Kind: message.FaultEndOfLifeReached, Code: "EOL"},
	}
	for _, want := range tests {
		t.Run(string(want.Kind), func(t *testing.T) {
			env, err := message.MarshalFault(&want)
			if err != nil {
				t.Fatal(err)
			}
			i, j := bytes.Index(env, []byte("<detail>")), bytes.Index(env, []byte("</detail>"))
			if err := schematest.Validate(t, env[i+len("<detail>"):j], schematest.FaultsXSD); err != nil {
				t.Fatalf("fault detail does not validate: %v\n%s", err, env)
			}
			var body message.SendRequestResponse
			err = message.Unmarshal(env, message.DefaultLimits(), &body)
			var got *message.Fault
			if !errors.As(err, &got) {
				t.Fatalf("Unmarshal error = %v, want *Fault", err)
			}
			want.FaultCode = "soap:Client"
			if want.Retryable() {
				want.FaultCode = "soap:Server"
			}
			if want.FaultString == "" {
				want.FaultString = string(want.Kind)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Fatalf("fault\n got %+v\nwant %+v", *got, want)
			}
			if !errors.Is(fmt.Errorf("send: %w", err), &message.Fault{Kind: want.Kind}) {
				t.Fatalf("errors.Is does not match kind %s", want.Kind)
			}
		})
	}
}

func TestFaultIsMatchesSignatureSubCode(t *testing.T) {
	err := error(&message.Fault{Kind: message.FaultSignatureVerification, SignatureCode: message.SigSignatureIsInvalid})
	tests := []struct {
		target *message.Fault
		want   bool
	}{
		{&message.Fault{Kind: message.FaultSignatureVerification}, true},
		{&message.Fault{Kind: message.FaultSignatureVerification, SignatureCode: message.SigSignatureIsInvalid}, true},
		{&message.Fault{Kind: message.FaultSignatureVerification, SignatureCode: message.SigNoSignatureFound}, false},
		{&message.Fault{Kind: message.FaultSMEVFailure}, false},
	}
	for _, tc := range tests {
		if got := errors.Is(err, tc.target); got != tc.want {
			t.Errorf("errors.Is(%v, %+v) = %v, want %v", err, tc.target, got, tc.want)
		}
	}
}

// A fault as a Java stack writes it: prefixes declared on the envelope,
// whitespace, a fault outside the SMEV namespace.
func TestUnmarshalForeignFaults(t *testing.T) {
	tests := []struct {
		name string
		env  string
		want message.Fault
	}{
		{"smev fault with envelope prefixes", `<S:Envelope xmlns:S="` + message.NSSOAP + `" xmlns:ns3="` + message.NSFaults + `" xmlns:ns2="` + message.NSBasic + `">
<S:Body><S:Fault><faultcode>S:Client</faultcode><faultstring>Подпись неверна</faultstring>
<detail><ns3:SignatureVerificationFault><ns2:Code>SIG</ns2:Code><ns3:SignatureVerificationFault>SignatureIsInvalid</ns3:SignatureVerificationFault></ns3:SignatureVerificationFault></detail>
</S:Fault></S:Body></S:Envelope>`, message.Fault{FaultCode: "S:Client", FaultString: "Подпись неверна", Kind: message.FaultSignatureVerification, Code: "SIG", SignatureCode: message.SigSignatureIsInvalid}},
		{"bare server fault", `<S:Envelope xmlns:S="` + message.NSSOAP + `"><S:Body><S:Fault><faultcode>S:Server</faultcode><faultstring>NullPointerException</faultstring></S:Fault></S:Body></S:Envelope>`,
			message.Fault{FaultCode: "S:Server", FaultString: "NullPointerException"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body message.AckResponse
			err := message.Unmarshal([]byte(tc.env), message.DefaultLimits(), &body)
			var got *message.Fault
			if !errors.As(err, &got) {
				t.Fatalf("err = %v, want *Fault", err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestMarshalFaultRejectsIncompleteFaults(t *testing.T) {
	for _, f := range []message.Fault{
		{Kind: "NoSuchFault"},
		{Kind: message.FaultSignatureVerification},
		{Kind: message.FaultInvalidContent},
	} {
		if _, err := message.MarshalFault(&f); err == nil {
			t.Errorf("MarshalFault(%+v) succeeded", f)
		}
	}
}
