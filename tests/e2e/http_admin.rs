//! Organizer routes over HTTP: bank import, browsing, coverage, export, competitions.
