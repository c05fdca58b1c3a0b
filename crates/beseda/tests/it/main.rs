//! The integration tests as one binary (one link of the server instead of one per file),
//! sharing the harness in `common/`. Each module is one area of the product.

mod common;

mod accounts;
mod api_documents;
mod audit;
mod backup;
mod bad_input;
mod bots;
mod channels;
mod chat_files;
mod cli;
mod closing;
mod connections;
mod context;
mod crm;
mod durability;
mod fixtures;
mod identification;
mod integration_openapi;
mod ip_allowlist;
mod lists;
mod mail;
mod messengers;
mod metrics;
mod multinode;
mod notes;
mod operators;
mod parsers_property;
mod permissions;
mod publishing;
mod push;
mod routing;
mod security;
mod slow_clients;
mod startup;
mod stats;
mod stored_data;
mod templates;
mod throttling;
mod two_factor;
mod visitor_flow;
mod visitor_openapi;
mod visitors;
mod webhooks;
mod widget;
