//! wxpay-mock-core: a world rebuilt from a snapshot plus the changes since equals the world
//! that made them, and taking a snapshot at any point changes no answer. One binary.

mod durability;
