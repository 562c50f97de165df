//! The back office's small design system: status badges, form fields, toasts, and the error
//! boundary. The look lives in one stylesheet (ui/static/style.css).

pub mod charts;
pub mod design;
pub mod document_viewer;
pub mod error_boundary;
pub mod update_banner;
