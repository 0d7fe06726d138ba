/* Config hash of a service (OpenSSL EVP SHA-256 over canonical JSON). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "compose/hash.h"

/* SHA-256 over the canonical JSON of the service. */
int hash_service(const json_t *svc, char out[65], struct berth_error **err)
{
    if (!json_is_object(svc))
        return berth_error_set(err, BERTH_E_INVALID, 0, "no such service model");
    json_t *c = json_deep_copy(svc);
    static const char *const drop[] = {"build", "pull_policy", "scale", "depends_on", "profiles"};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
        json_object_del(c, drop[i]);
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(c, tmp, k, v) {
        if (strncmp(k, "x-", 2) == 0) /* extensions are not part of the container */
            json_object_del(c, k);
    }
    json_t *deploy = json_object_get(c, "deploy");
    if (json_is_object(deploy))
        json_object_del(deploy, "replicas");
    char *text = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(c);
    if (text == NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0, "cannot serialise the service model");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
    free(text);
    if (!ok || mdlen != 32)
        return berth_error_set(err, BERTH_E_SYSTEM, 0, "SHA-256 failed (OpenSSL EVP_Digest)");
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = '\0';
    return 0;
}
