//! The `graph-emulator` binary serves the example tenant and prints its base URL and tenant id.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[test]
fn binary_serves_the_example_tenant_and_prints_its_url() {
    let tenant = concat!(env!("CARGO_MANIFEST_DIR"), "/tenants/example.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_graph-emulator"))
        .args(["--tenant", tenant, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines.next().unwrap().unwrap();
    let tenant_line = lines.next().unwrap().unwrap();
    let addr = url.strip_prefix("http://").unwrap().to_owned();

    // The token endpoint answers a client-credentials request with the example app's secret.
    let body = "client_id=0d8f3b0a-6c3e-4f6b-9e21-5a7c2b1d4e90&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&grant_type=client_credentials&client_secret=demo-only-not-a-secret";
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /8a1c2e4f-0b6d-4c3a-9e5f-7d2b1a0c9e84/oauth2/v2.0/token HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(tenant_line, "tenant 8a1c2e4f-0b6d-4c3a-9e5f-7d2b1a0c9e84");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"token_type\":\"Bearer\""), "{response}");
}
