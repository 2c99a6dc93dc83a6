/*
 * gostbench times OpenSSL's gost engine in one process, through the EVP
 * API, so that cmd/bench can compare Okno's GOST code with it fairly (no
 * process start per operation).
 *
 * Usage: gostbench SECONDS OP...
 *   OP is "streebog256", "streebog512" or "sign:BITS:PARAMSET" (for
 *   example sign:256:A); a sign OP times both signing and verification.
 * Output, one line per figure: "<name> <value> <unit>". Rates are per
 * second of this process's CPU time, so that other load on the machine
 * does not distort them (cmd/bench measures Okno the same way).
 */
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this process: other load on the machine does not count. */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	fprintf(stderr, "gostbench: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	return 1;
}

static int bench_digest(ENGINE *e, const char *name, const char *mdname, double seconds)
{
	static unsigned char buf[8192];
	unsigned char out[64];
	unsigned int outlen;
	const EVP_MD *md = ENGINE_get_digest(e, OBJ_txt2nid(mdname));
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (md == NULL || ctx == NULL)
		return fail(mdname);
	memset(buf, 0x5a, sizeof buf);
	long n = 0;
	double start = now(), elapsed;
	do {
		for (int i = 0; i < 16; i++, n++) {
			if (!EVP_DigestInit_ex(ctx, md, e) || !EVP_DigestUpdate(ctx, buf, sizeof buf) ||
			    !EVP_DigestFinal_ex(ctx, out, &outlen))
				return fail("digest");
		}
		elapsed = now() - start;
	} while (elapsed < seconds);
	printf("%s %.2f MB/s\n", name, (double)n * sizeof buf / elapsed / 1e6);
	EVP_MD_CTX_free(ctx);
	return 0;
}

static int bench_sign(ENGINE *e, int bits, const char *paramset, double seconds)
{
	int nid = bits == 512 ? NID_id_GostR3410_2012_512 : NID_id_GostR3410_2012_256;
	size_t dlen = bits / 8;
	unsigned char digest[64], sig[128];
	size_t siglen;
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *gen = EVP_PKEY_CTX_new_id(nid, e);
	if (gen == NULL || EVP_PKEY_keygen_init(gen) <= 0 ||
	    EVP_PKEY_CTX_ctrl_str(gen, "paramset", paramset) <= 0 || EVP_PKEY_keygen(gen, &key) <= 0)
		return fail("keygen");
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, e);
	if (ctx == NULL || EVP_PKEY_sign_init(ctx) <= 0)
		return fail("sign init");
	memset(digest, 0x3c, sizeof digest);

	long n = 0;
	double start = now(), elapsed;
	do {
		for (int i = 0; i < 8; i++, n++) {
			siglen = sizeof sig;
			if (EVP_PKEY_sign(ctx, sig, &siglen, digest, dlen) <= 0)
				return fail("sign");
		}
		elapsed = now() - start;
	} while (elapsed < seconds);
	printf("sign:%d:%s %.1f ops/s\n", bits, paramset, n / elapsed);

	if (EVP_PKEY_verify_init(ctx) <= 0)
		return fail("verify init");
	n = 0;
	start = now();
	do {
		for (int i = 0; i < 8; i++, n++) {
			if (EVP_PKEY_verify(ctx, sig, siglen, digest, dlen) != 1)
				return fail("verify");
		}
		elapsed = now() - start;
	} while (elapsed < seconds);
	printf("verify:%d:%s %.1f ops/s\n", bits, paramset, n / elapsed);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_CTX_free(gen);
	EVP_PKEY_free(key);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: gostbench SECONDS OP...\n");
		return 2;
	}
	double seconds = atof(argv[1]);
	ENGINE_load_builtin_engines();
	ENGINE *e = ENGINE_by_id("gost");
	if (e == NULL || !ENGINE_init(e))
		return fail("loading the gost engine");
	ENGINE_set_default(e, ENGINE_METHOD_ALL);
	for (int i = 2; i < argc; i++) {
		int bits;
		char paramset[16];
		int rc;
		if (strcmp(argv[i], "streebog256") == 0)
			rc = bench_digest(e, argv[i], "md_gost12_256", seconds);
		else if (strcmp(argv[i], "streebog512") == 0)
			rc = bench_digest(e, argv[i], "md_gost12_512", seconds);
		else if (sscanf(argv[i], "sign:%d:%15s", &bits, paramset) == 2 && (bits == 256 || bits == 512))
			rc = bench_sign(e, bits, paramset, seconds);
		else {
			fprintf(stderr, "gostbench: unknown op %s\n", argv[i]);
			return 2;
		}
		if (rc != 0)
			return rc;
		fflush(stdout);
	}
	ENGINE_finish(e);
	ENGINE_free(e);
	return 0;
}
