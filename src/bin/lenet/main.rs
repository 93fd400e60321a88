fn main() {
    let net = lenet::Network::from_preset_or_json("lenet5", 0).unwrap();
    for row in net.summary() {
        println!("{:8} {:10} {:>10} {:>8} {:>10}", row.name, row.kind, row.shape.to_string(), row.params, row.connections);
    }
}
