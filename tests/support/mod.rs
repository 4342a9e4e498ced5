//! What several test modules share: the real binary, its outputs, local servers (nginx, `wt
//! serve`), the tests' conda channel and Python, and file-tree helpers. Each module uses some of
//! it, so unused items are expected here.

#![allow(dead_code)]

pub mod cache_data;
pub mod codegen_only;
pub mod conda_channel;
pub mod conda_python;
pub mod fs;
pub mod naps;
pub mod nginx;
pub mod output;
pub mod python_jsonschema;
pub mod runs;
pub mod served;
pub mod test_python;
pub mod tls;
pub mod tools;
pub mod wt_serve;
