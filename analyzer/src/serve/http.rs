//! A small HTTP/1.1 server on `std::net`: a thread per connection, keep-alive, bodies with a
//! Content-Length (or chunked) read and dropped, `Connection: close` after an error. Enough for
//! kubectl's client and nothing more: no TLS, no pipelining, no upgrades.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// Longest request line or header line read.
const MAX_LINE: u64 = 64 << 10;
const MAX_HEADERS: usize = 200;
/// Largest request body read (and dropped): the server is read-only.
const MAX_BODY: u64 = 16 << 20;
/// An idle keep-alive connection is closed after this.
const IDLE: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// The path, percent-decoded, without the query.
    pub path: String,
    /// Query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, v: &serde_json::Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }

    pub fn text(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
        }
    }
}

pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// Accepts connections until the listener fails; each is served on its own thread.
pub fn serve(listener: TcpListener, handler: Handler) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let handler = Arc::clone(&handler);
        std::thread::spawn(move || {
            let _ = connection(stream, &*handler);
        });
    }
}

fn connection(
    stream: TcpStream,
    handler: &(dyn Fn(&Request) -> Response + Send + Sync),
) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let (req, close_asked) = match read_request(&mut reader) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                let resp = Response::text(400, format!("bad request: {e}\n").into_bytes());
                write_response(&mut writer, &resp, false, true)?;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let resp = handler(&req);
        let close = close_asked || resp.status >= 400;
        write_response(&mut writer, &resp, req.method == "HEAD", close)?;
        if close {
            return Ok(());
        }
    }
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// One line without its CRLF; `None` at the end of the stream.
fn read_line(r: &mut BufReader<TcpStream>) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = r.by_ref().take(MAX_LINE).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if !buf.ends_with(b"\n") {
        return Err(bad("line too long or cut"));
    }
    while buf.last().is_some_and(|c| *c == b'\n' || *c == b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| bad("not UTF-8"))
}

/// Reads a request and drops its body; the bool says the client asked to close.
fn read_request(r: &mut BufReader<TcpStream>) -> io::Result<Option<(Request, bool)>> {
    let line = loop {
        match read_line(r)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue, // stray CRLF between requests
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    let mut headers = Vec::new();
    loop {
        let Some(h) = read_line(r)? else {
            return Err(bad("headers cut"));
        };
        if h.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(bad("too many headers"));
        }
        let (k, v) = h.split_once(':').ok_or_else(|| bad("malformed header"))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let req = Request {
        method: method.to_string(),
        path: decode(path, false),
        query: parse_query(query),
        headers,
    };
    let connection = req.header("connection").unwrap_or("").to_ascii_lowercase();
    let close = connection.contains("close")
        || (version == "HTTP/1.0" && !connection.contains("keep-alive"));
    drain_body(r, &req)?;
    Ok(Some((req, close)))
}

fn drain_body(r: &mut BufReader<TcpStream>, req: &Request) -> io::Result<()> {
    let chunked = req
        .header("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    if chunked {
        let mut total = 0u64;
        loop {
            let size_line = read_line(r)?.ok_or_else(|| bad("chunk cut"))?;
            let hex = size_line.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(hex, 16).map_err(|_| bad("bad chunk size"))?;
            total += size;
            if total > MAX_BODY {
                return Err(bad("body too large"));
            }
            if size == 0 {
                // trailers up to the empty line
                while read_line(r)?.is_some_and(|l| !l.is_empty()) {}
                return Ok(());
            }
            io::copy(&mut r.by_ref().take(size), &mut io::sink())?;
            read_line(r)?;
        }
    }
    let len: u64 = match req.header("content-length") {
        Some(v) => v.trim().parse().map_err(|_| bad("bad Content-Length"))?,
        None => 0,
    };
    if len > MAX_BODY {
        return Err(bad("body too large"));
    }
    let n = io::copy(&mut r.by_ref().take(len), &mut io::sink())?;
    if n < len {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "body cut"));
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        413 => "Payload Too Large",
        _ => "Error",
    }
}

fn write_response(w: &mut TcpStream, resp: &Response, head: bool, close: bool) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-cache, private\r\n",
        resp.status,
        reason(resp.status),
        resp.content_type,
        resp.body.len()
    )
    .into_bytes();
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head {
        out.extend_from_slice(&resp.body);
    }
    w.write_all(&out)?;
    w.flush()
}

/// `a=1&b=x%3Dy+z` -> [(a, 1), (b, "x=y z")].
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k, true), decode(v, true))
        })
        .collect()
}

/// Percent-decoding; `+` is a space in a query, not in a path.
pub fn decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' && i + 3 <= b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            let digits = hex.len() == 2 && hex.bytes().all(|h| h.is_ascii_hexdigit());
            if let (true, Ok(v)) = (digits, u8::from_str_radix(hex, 16)) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if c == b'+' && plus_is_space { b' ' } else { c });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_like_go_encodes() {
        let q = parse_query("labelSelector=app%3Dweb%2Ctier+in+%28a%2Cb%29&limit=500&watch");
        assert_eq!(
            q[0],
            ("labelSelector".into(), "app=web,tier in (a,b)".into())
        );
        assert_eq!(q[1], ("limit".into(), "500".into()));
        assert_eq!(q[2], ("watch".into(), "".into()));
        assert_eq!(decode("a+b%2", false), "a+b%2");
        assert_eq!(decode("%zz%4", true), "%zz%4");
    }
}
