//! `wt serve` against slow, crowding and malformed clients, over raw TCP on 127.0.0.1: held
//! connections are released after the header timeout, connections over the limit get a JSON
//! 503, a body that stops arriving gets a 408, and the parser's own 400/414/431 answers carry
//! JSON bodies. The server needs no workflow for this, so none is built.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use wt::server::ServerConfig;

const MAX_CONNECTIONS: usize = 24;

fn start() -> (String, tempfile::TempDir) {
    let results = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(results.path().to_path_buf());
    config.header_timeout = Duration::from_secs(1);
    config.body_timeout = Duration::from_secs(1);
    config.max_connections = MAX_CONNECTIONS;
    let base = wt::server::serve_in_background(Vec::new(), config).unwrap();
    (base.trim_start_matches("http://").to_string(), results)
}

fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Everything the server sends until it closes the connection (bounded by the read timeout).
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// Sends `request` on a new connection and returns the status and JSON body of the answer.
fn exchange(addr: &str, request: &[u8]) -> (u16, Value, String) {
    let mut stream = connect(addr);
    stream.write_all(request).unwrap();
    let answer = read_to_close(&mut stream);
    parse(&answer)
}

fn parse(answer: &str) -> (u16, Value, String) {
    let status = answer
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{answer}"
    );
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"));
    (status, body, answer.to_string())
}

#[test]
fn held_connections_are_released_and_extra_ones_refused() {
    let (addr, _results) = start();
    // Half-open: a request head that never ends. More of them than the server serves.
    let mut held: Vec<TcpStream> = (0..MAX_CONNECTIONS + 16)
        .map(|_| {
            let mut s = connect(&addr);
            s.write_all(b"GET / HTTP/1.1\r\nHost: wt\r\n").unwrap();
            s
        })
        .collect();
    let started = Instant::now();
    let mut refused = 0;
    let mut released = 0;
    for stream in &mut held {
        let answer = read_to_close(stream);
        if answer.is_empty() {
            released += 1;
            continue;
        }
        let (status, body, text) = parse(&answer);
        assert_eq!(status, 503, "{text}");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("limit of {MAX_CONNECTIONS} open connections")));
        refused += 1;
    }
    assert_eq!((released, refused), (MAX_CONNECTIONS, 16));
    // Released by the 1 s header timeout, not by the 10 s read timeout of this client.
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    // And the server answers again.
    let mut stream = connect(&addr);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: wt\r\nConnection: close\r\n\r\n")
        .unwrap();
    let (status, body, _) = parse(&read_to_close(&mut stream));
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
}

#[test]
fn a_body_that_stops_arriving_is_408() {
    let (addr, _results) = start();
    let (status, body, text) = exchange(
        &addr,
        b"POST /formdata-to-params HTTP/1.1\r\nHost: wt\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":",
    );
    assert_eq!(status, 408, "{text}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("did not arrive within 1 s"),
        "{text}"
    );
}

#[test]
fn requests_the_parser_refuses_get_json_bodies() {
    let (addr, _results) = start();
    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: wt\r\n\r\n", "a".repeat(70_000));
    let many_headers = format!(
        "GET / HTTP/1.1\r\nHost: wt\r\n{}\r\n",
        (0..120)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    for (request, want, says) in [
        (
            b"GET /\x01 HTTP/1.1\r\nHost: wt\r\n\r\n".to_vec(),
            400,
            "not valid HTTP/1.1",
        ),
        (
            b"GET / HTTP/1.1\r\nBad Header\r\n\r\n".to_vec(),
            400,
            "not valid HTTP/1.1",
        ),
        (long_uri.into_bytes(), 414, "URI"),
        (many_headers.into_bytes(), 431, "headers are too large"),
    ] {
        let (status, body, text) = exchange(&addr, &request);
        assert_eq!(status, want, "{text}");
        assert!(body["detail"].as_str().unwrap().contains(says), "{text}");
    }
}
