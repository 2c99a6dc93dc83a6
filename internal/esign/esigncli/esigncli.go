// Package esigncli is the administrators' command line for electronic
// signatures, wired into the server binary as `okno esign ...`: make GOST
// keys, a self-signed CA and certificates with the fields of Russian
// qualified certificates, CRLs to revoke them, sign and verify files with
// detached CMS signatures, and apply the SMEV transform to an XML fragment. It only
// parses flags, reads and writes files and calls packages esign and xmlsig.
package esigncli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Exit codes of Run.
const (
	exitOK    = 0
	exitFail  = 1 // the operation failed or the signature is not valid
	exitUsage = 2 // the command line is wrong
)

// command is one subcommand: its synopsis for the overview and its body.
type command struct {
	name     string
	synopsis string
	run      func(ctx context.Context, e *env, args []string) int
}

// env is what a command talks to.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func commands() []command {
	return []command{
		{"keygen", "сгенерировать ключ ГОСТ Р 34.10-2012 (PKCS#8 PEM)", runKeygen},
		{"ca", "выпустить самоподписанный сертификат УЦ", runCA},
		{"issue", "выпустить сертификат на ключ, подписанный УЦ", runIssue},
		{"crl", "выпустить список отозванных сертификатов (CRL), подписанный УЦ", runCRL},
		{"show", "показать поля сертификата", runShow},
		{"sign", "подписать файл отсоединённой подписью CMS", runSign},
		{"verify", "проверить отсоединённую подпись CMS", runVerify},
		{"smev-transform", "применить преобразование СМЭВ к XML из stdin", runSMEVTransform},
	}
}

// Run executes `esign <command> [flags]` and returns the process exit code:
// 0 on success, 1 when the operation fails (including an invalid
// signature), 2 for a wrong command line.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		e.overview()
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	i := slices.IndexFunc(commands(), func(c command) bool { return c.name == args[0] })
	if i < 0 {
		fmt.Fprintf(stderr, "esign: неизвестная команда %q\n\n", args[0])
		e.overview()
		return exitUsage
	}
	return commands()[i].run(ctx, e, args[1:])
}

func (e *env) overview() {
	var b strings.Builder
	b.WriteString("Использование: okno esign <команда> [параметры]\n\nКоманды:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-15s %s\n", c.name, c.synopsis)
	}
	b.WriteString("\nПараметры команды: okno esign <команда> -h\n")
	io.WriteString(e.stderr, b.String())
}

// flagSet makes a flag set whose -h prints usage (what the command does,
// then its flags) to stderr.
func (e *env) flagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("esign "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Использование: okno esign %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and reports the exit code to return when it should
// stop: -h is exit 0, a bad flag exit 2. Required flags are checked too.
func (e *env) parse(fs *flag.FlagSet, args []string, required ...string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "esign %s: лишние аргументы: %q\n", strings.TrimPrefix(fs.Name(), "esign "), fs.Args())
		return exitUsage, false
	}
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			fmt.Fprintf(e.stderr, "esign %s: не задан параметр -%s\n", strings.TrimPrefix(fs.Name(), "esign "), name)
			fs.Usage()
			return exitUsage, false
		}
	}
	return 0, true
}

// fail prints an error for the administrator and returns exitFail.
func (e *env) fail(what string, err error) int {
	fmt.Fprintf(e.stderr, "esign: %s: %s\n", what, reason(err))
	return exitFail
}

// reason is an error's message without the package prefix the command
// line already prints.
func reason(err error) string {
	return strings.TrimPrefix(err.Error(), "esign: ")
}
