//! Which URLs credentials may be sent to, and how a URL is shown. A bearer token or client
//! secret travels only over HTTPS, or plain HTTP to this machine (loopback), unless
//! `--insecure-http` says a lab network is meant. Credentials are never taken from a URL's
//! `user:password@`, and a URL is shown without that part and without its query.

use reqwest::Url;

/// `raw` without user name, password, query and fragment, for every message.
pub fn shown(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        // Not a URL: show only up to the first character that could start a secret part.
        Err(_) => raw.split(['@', '?', '#']).next().unwrap_or("").to_owned(),
    }
}

/// Checks that credentials may be sent to `raw`; `what` names it in the message (e.g.
/// `--director`). The message shows the URL as [`shown`] does.
pub fn check(what: &str, raw: &str, insecure_http: bool) -> Result<(), String> {
    let url = Url::parse(raw).map_err(|e| {
        format!(
            "{what} \"{}\" is not a URL ({e}); give one such as https://director.example/graphql",
            crate::text::neutralise(&shown(raw))
        )
    })?;
    let show = crate::text::neutralise(&shown(raw)).into_owned();
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{what} \"{show}\" carries a user name or password, which is never sent: remove it and pass credentials with --token-file or --service-key"
        ));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) || insecure_http => Ok(()),
        "http" => Err(format!(
            "{what} \"{show}\" is plain HTTP to another machine, which would send the credentials in clear: use https:// (or --insecure-http for a lab network)"
        )),
        other => Err(format!(
            "{what} \"{show}\" has the scheme {other:?}; only https:// (or http:// on loopback) is used"
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_beyond_loopback_unless_asked_for() {
        assert!(check("--director", "http://192.0.2.2:4607/graphql", false).is_err());
        assert!(check("--director", "http://192.0.2.2:4607/graphql", true).is_ok());
        assert!(check("--director", "http://127.0.0.1:4000/graphql", false).is_ok());
        assert!(check("--director", "http://[::1]:4000/graphql", false).is_ok());
        assert!(check("--director", "http://localhost:4000/graphql", false).is_ok());
        assert!(check("--director", "https://director.example/graphql", false).is_ok());
        assert!(check("--director", "ftp://director.example/graphql", true).is_err());
    }

    #[test]
    fn userinfo_is_refused_and_never_shown() {
        let e = check(
            "--director",
            "https://alice:hunter2@director.example/graphql?token=abc",
            false,
        )
        .unwrap_err();
        assert!(
            !e.contains("hunter2") && !e.contains("alice") && !e.contains("abc"),
            "{e}"
        );
        let s = shown("https://alice:hunter2@director.example/graphql?token=abc#x");
        assert_eq!(s, "https://director.example/graphql");
    }
}
