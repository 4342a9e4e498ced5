//! Conda packages: the platforms and channels a workspace uses, the solve (rattler's repodata
//! gateway and the resolvo solver), the `pixi.lock` it writes, and installing locked packages
//! into an environment.

pub mod certs;
pub mod fetch;
pub mod gc;
pub mod install;
pub mod lock;
pub mod mirror;
pub mod net;
pub mod platforms;
pub mod settings;
pub mod solve;
