//! Registration, login and tokens over HTTP.
