//! The node as its users run it: the `dev-node` binary on a free port, spoken to over HTTP.

#![allow(dead_code, unreachable_pub)]

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use serde_json::{json, Value};

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace")
}

/// A running node, stopped when dropped.
pub struct Node {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Everything it printed before serving.
    pub banner: String,
    /// Its printed addresses by label (`EntryPoint v0.7`, `module`, `game`, ...).
    pub addresses: HashMap<String, String>,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    /// Starts the node on a free port, once it says it listens.
    pub fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dev-node"))
            .args(["--port", "0", "--artifacts"])
            .arg(workspace().join("target"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the node starts");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut banner = String::new();
        let mut port = None;
        for line in stdout.lines() {
            let line = line.expect("the node prints text");
            if let Some(address) = line.strip_prefix("listening on http://127.0.0.1:") {
                port = Some(address.parse().expect("a port"));
                break;
            }
            banner.push_str(&line);
            banner.push('\n');
        }
        let port = port.unwrap_or_else(|| panic!("the node stopped before serving:\n{banner}"));
        // `label   0xADDRESS (...)`: two or more spaces between label and address.
        let addresses = banner
            .lines()
            .filter_map(|line| {
                let (label, rest) = line.split_once("  ")?;
                let address = rest.trim_start().split(' ').next()?;
                address.starts_with("0x").then(|| (label.trim().to_owned(), address.to_owned()))
            })
            .collect();
        Self { child, port, banner, addresses }
    }

    /// The address printed for `label`.
    pub fn address(&self, label: &str) -> &str {
        self.addresses.get(label).unwrap_or_else(|| panic!("no {label} in:\n{}", self.banner))
    }

    /// Posts `body` as is; the HTTP status and the JSON answer.
    pub fn post(&self, body: &str) -> (u16, Value) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("the node accepts");
        let request = format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("the request goes out");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("an answer");
        let response = String::from_utf8(response).expect("a text answer");
        let (head, body) = response.split_once("\r\n\r\n").expect("HTTP head and body");
        let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("a status");
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_owned()
        };
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// Calls `method` with `params`: its result, or its error object.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, Value> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let (_, answer) = self.post(&body.to_string());
        match answer.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(answer["result"].clone()),
        }
    }

    /// [`Self::call`], which must succeed.
    pub fn ok(&self, method: &str, params: Value) -> Value {
        self.call(method, params).unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }
}

/// An HTTP/1.1 chunked body, joined.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// A hex quantity as a number.
pub fn number(value: &Value) -> u64 {
    let text = value.as_str().unwrap_or_else(|| panic!("not a quantity: {value}"));
    u64::from_str_radix(text.trim_start_matches("0x"), 16).expect("a hex quantity")
}
