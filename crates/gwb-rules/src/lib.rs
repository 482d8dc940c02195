//! The rule pipeline: built-in defaults, plugin stages, output validation and the rules file.
