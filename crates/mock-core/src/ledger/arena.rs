//! The ledger's string arena: a coupon's strings (and its confirm) live back to back in one
//! byte vector, each with a LEB128 length prefix, instead of a heap allocation each.

use super::{
    Confirm, Coupon, CouponText, HAS_ATTACH, HAS_CODE_TEXT, HAS_MEMBER_CARD, HAS_TAG_JSON,
};

/// Appends a string with a LEB128 length prefix.
pub(super) fn put_str(arena: &mut Vec<u8>, s: &str) {
    let mut len = s.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            arena.push(byte);
            break;
        }
        arena.push(byte | 0x80);
    }
    arena.extend_from_slice(s.as_bytes());
}

/// Reads a string written by [`put_str`] at `*pos`, advancing it.
pub(super) fn get_str<'a>(arena: &'a [u8], pos: &mut usize) -> &'a str {
    let mut len = 0usize;
    let mut shift = 0;
    while let Some(&byte) = arena.get(*pos) {
        *pos += 1;
        len |= usize::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            break;
        }
    }
    let end = (*pos + len).min(arena.len());
    let s = std::str::from_utf8(&arena[*pos..end]).unwrap_or("");
    *pos = end;
    s
}

pub(super) fn read_text<'a>(arena: &'a [u8], c: &Coupon) -> CouponText<'a> {
    let mut pos = c.text as usize;
    let openid = get_str(arena, &mut pos);
    let send_request_no = get_str(arena, &mut pos);
    let mut optional = |flag: u8| (c.flags & flag != 0).then(|| get_str(arena, &mut pos));
    let code = optional(HAS_CODE_TEXT);
    let attach = optional(HAS_ATTACH);
    let member_card = optional(HAS_MEMBER_CARD);
    let tag_json = optional(HAS_TAG_JSON);
    CouponText {
        openid,
        send_request_no,
        code,
        attach,
        member_card,
        tag_json,
    }
}

/// A coupon's confirm: 4 bytes of time (little-endian), then the out_request_no.
pub(super) fn read_confirm<'a>(arena: &'a [u8], c: &Coupon) -> Option<Confirm<'a>> {
    let at = c.confirm.checked_sub(1)? as usize;
    let time = u32::from_le_bytes(arena.get(at..at + 4)?.try_into().ok()?);
    let mut pos = at + 4;
    Some(Confirm {
        out_request_no: get_str(arena, &mut pos),
        time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arena_strings_round_trip_with_long_lengths() {
        let mut arena = Vec::new();
        let long = "券".repeat(150);
        for s in ["", "a", long.as_str(), "o-1"] {
            put_str(&mut arena, s);
        }
        let mut pos = 0;
        for s in ["", "a", long.as_str(), "o-1"] {
            assert_eq!(get_str(&arena, &mut pos), s);
        }
        assert_eq!(pos, arena.len());
    }
}
