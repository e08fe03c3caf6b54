#[test]
fn big() {
    let t = std::time::Instant::now();
    let r = qtvr::convert::discover::discover(&[std::path::PathBuf::from("/tmp/bigtest/in")], std::path::Path::new("/tmp/bigtest/out/.qtvr-work"));
    for f in &r.found { eprintln!("{} {:?} {:?}", f.path, f.kind, f.digest); }
    eprintln!("took {:?}", t.elapsed());
}
