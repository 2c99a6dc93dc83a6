# Okno developer commands. `make help` lists them.
SHELL := /bin/bash
GO ?= go

.PHONY: help run test lint generate check-generated bench

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

run: ## Okno with demo data at http://localhost:8080 and the SMEV 3 stand beside it (PostgreSQL found or started for you)
	@scripts/run.sh

test: ## run every test against real PostgreSQL (found or started for you)
	@OKNO_TEST_DATABASE_URL="$${OKNO_TEST_DATABASE_URL:-$$(scripts/devdb.sh postgres)}" && export OKNO_TEST_DATABASE_URL && \
	  $(GO) test -count=1 -timeout 20m ./...

lint: check-generated ## go vet, gofmt, staticcheck, the templ check and go.mod tidiness
	@$(GO) mod tidy -diff || { echo "go.mod: run go mod tidy and commit the result"; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above are not formatted"; exit 1; }

generate: ## regenerate templ views
	$(GO) tool templ generate

check-generated: generate ## fail when committed templ output is stale
	@git diff --exit-code --stat -- views || { echo "templ: generated views were stale; commit the regenerated files"; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- views)" || { echo "templ: uncommitted generated files in views/"; exit 1; }

bench: ## run the benchmark command (e.g. make bench B=esign)
	$(GO) run ./cmd/bench $(B)
