# Varnish in front of Broadsheet, purged by what each write changed (Debian: `varnish` and
# `varnish-modules` for xkey). Every public page names what it shows in its Surrogate-Key header
# (the site key `site`, then the stories, lists and blocks on it); each Broadsheet node started
# with `--purge-url http://127.0.0.1:6081/` sends `PURGE /` with an `xkey-purge` header naming
# what a change reached, and this file purges the pages whose keys match. Pages can therefore be
# kept for a day: a change purges them at once. See docs/operations.md, "A cache in front".
#
# Run it with: varnishd -a :6081 -f /etc/varnish/broadsheet.vcl -s malloc,1G
vcl 4.1;

import xkey;

backend broadsheet {
    .host = "127.0.0.1";
    .port = "8080";
}

# The Broadsheet nodes: the only clients allowed to purge.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the keys to purge in xkey-purge"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The desk, previews and anything signed in belong to one person.
    if (req.url ~ "^/(admin|preview)(/|$)" || req.http.Authorization) {
        return (pass);
    }
    # Public pages carry nothing per visitor, so cookies do not vary them.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
        # Purged when what they show changes, so they may be kept far longer than browsers
        # keep them (Cache-Control still says 60 seconds to everyone downstream).
        set beresp.ttl = 1d;
        set beresp.grace = 1h;
    }
}

sub vcl_deliver {
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
}
