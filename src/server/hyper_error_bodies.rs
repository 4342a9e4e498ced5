//! JSON bodies for the answers hyper writes on its own.
//!
//! When a request cannot be parsed (a bad request line or header, a URI or a head too long),
//! hyper answers 400, 414 or 431 itself, with `content-length: 0`, and closes the connection;
//! no handler or middleware sees the request. Every other error of the server has a JSON
//! `{"detail": ...}` body, so [`BareErrors`] wraps the connection's socket and, when the
//! bytes about to be written are exactly such a bare answer head, writes the same status with
//! a JSON body instead. Answers of the router always carry a `content-type`, so they never
//! match.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Status lines hyper writes for requests it cannot parse, with what the answer says.
const PARSER_ANSWERS: [(&[u8], &str); 3] = [
    (
        b" 400 Bad Request\r\n",
        "the request is not valid HTTP/1.1 (a malformed request line or header)",
    ),
    (
        b" 414 URI Too Long\r\n",
        "the request target (URI) is too long",
    ),
    (
        b" 431 Request Header Fields Too Large\r\n",
        "the request's headers are too large",
    ),
];

/// A socket whose bare parser-error answers get JSON bodies.
pub struct BareErrors<S> {
    inner: S,
    /// A replacement being written: its bytes, how many are written, and the length of the
    /// original write it stands for (reported once it is all written).
    replacing: Option<(Vec<u8>, usize, usize)>,
}

impl<S> BareErrors<S> {
    pub fn new(inner: S) -> BareErrors<S> {
        BareErrors {
            inner,
            replacing: None,
        }
    }
}

/// The JSON answer standing for `head`, when `head` is a bare answer of the parser.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let status_line_end = head.windows(2).position(|w| w == b"\r\n")? + 2;
    let version = head.get(..8)?;
    if version != b"HTTP/1.1" && version != b"HTTP/1.0" {
        return None;
    }
    let (status_line, detail) = PARSER_ANSWERS
        .iter()
        .find(|(line, _)| &head[8..status_line_end] == *line)?;
    let lower = head.to_ascii_lowercase();
    let bare = lower.ends_with(b"\r\n\r\n")
        && lower.windows(21).any(|w| w == b"\r\ncontent-length: 0\r\n")
        && !lower.windows(14).any(|w| w == b"\r\ncontent-type");
    if !bare {
        return None;
    }
    let body = serde_json::json!({ "detail": detail }).to_string();
    let mut answer = b"HTTP/1.1".to_vec();
    answer.extend_from_slice(status_line);
    answer.extend_from_slice(
        format!(
            "content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\ncache-control: no-store\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    Some(answer)
}

impl<S: AsyncWrite + Unpin> BareErrors<S> {
    /// Writes the pending replacement; ready with the original write's length when done.
    fn poll_replacing(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, written, _)) = self.replacing.as_mut() {
            if *written == bytes.len() {
                let (_, _, original) = self.replacing.take().expect("replacing");
                return Poll::Ready(Ok(original));
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(0))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for BareErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for BareErrors<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.replacing.is_none() {
            match replacement(buf) {
                Some(answer) => self.replacing = Some((answer, 0, buf.len())),
                None => return Pin::new(&mut self.inner).poll_write(cx, buf),
            }
        }
        self.poll_replacing(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.replacing.is_none() {
            let first = bufs.iter().find(|b| !b.is_empty());
            match first.and_then(|b| replacement(b)) {
                Some(answer) => {
                    let len = first.map_or(0, |b| b.len());
                    self.replacing = Some((answer, 0, len));
                }
                None => return Pin::new(&mut self.inner).poll_write_vectored(cx, bufs),
            }
        }
        self.poll_replacing(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::replacement;

    #[test]
    fn only_bare_parser_answers_are_replaced() {
        let bare = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let answer = String::from_utf8(replacement(bare).unwrap()).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 414 URI Too Long\r\n"),
            "{answer}"
        );
        assert!(answer.ends_with(r#"{"detail":"the request target (URI) is too long"}"#));
        let json = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement(json).is_none());
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement(ok).is_none());
        assert!(replacement(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n").is_none());
    }
}
