//! Generates the greeter's messages (prost) and its client and server
//! (tonic, without `transport`) from `proto/greeter.proto`, with the
//! protoc binary that protoc-bin-vendored ships.

fn main() -> std::io::Result<()> {
    let protoc = protoc_bin_vendored::protoc_bin_path().map_err(std::io::Error::other)?;
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);
    tonic_prost_build::configure()
        .build_transport(false)
        .compile_with_config(config, &["proto/greeter.proto"], &["proto"])
}
