//! The `u32` ID newtypes shared by the container and the QTVR scene model.
//! They print, debug-print and serialise as their bare numbers.

use serde::Serialize;

/// Defines a `u32` ID newtype that prints, debug-prints and serialises as its
/// bare number (so text and JSON output stay as they were with plain `u32`s).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl From<u32> for $name {
            fn from(id: u32) -> Self {
                $name(id)
            }
        }

        impl From<$name> for u32 {
            fn from(id: $name) -> u32 {
                id.0
            }
        }
    };
}

id_type!(
    /// A node's ID (`ndhd` node ID, QTVR 1 `pHdr` node ID, a link's destination).
    NodeId
);
id_type!(
    /// A hot spot's ID: its index value in the node's hot spot track.
    HotspotId
);
id_type!(
    /// A track's ID (`tkhd` track ID).
    TrackId
);
