//! Byte-level primitives of the tracker encoding: LEB128 varints (unsigned and
//! zigzag), length-prefixed strings and exact decimals as (scale, mantissa).

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::{ToPrimitive, Zero};

use super::codec::DecodeError;

/// Appends primitives to a byte buffer.
#[derive(Default)]
pub(super) struct Writer(Vec<u8>);

impl Writer {
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    pub fn u8(&mut self, b: u8) {
        self.0.push(b);
    }

    pub fn var128(&mut self, mut v: u128) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    pub fn var(&mut self, v: u64) {
        self.var128(u128::from(v));
    }

    pub fn ivar(&mut self, v: i64) {
        self.var(zigzag(v));
    }

    pub fn str(&mut self, s: &str) {
        self.var(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    /// A decimal: head = zigzag(scale) << 1 | big, then the mantissa as a zigzag
    /// varint when it fits an i64 (big = 0), else sign, length and magnitude bytes.
    pub fn dec(&mut self, d: &BigDecimal) {
        let (mantissa, scale) = d.as_bigint_and_exponent();
        let small = mantissa.to_i64();
        self.var128(u128::from(zigzag(scale)) << 1 | u128::from(small.is_none()));
        match small {
            Some(m) => self.ivar(m),
            None => {
                let (sign, magnitude) = mantissa.to_bytes_be();
                self.u8(u8::from(sign == Sign::Minus));
                self.var(magnitude.len() as u64);
                self.0.extend_from_slice(&magnitude);
            }
        }
    }
}

/// Reads primitives back, never panicking on bad input.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        let b = *self.bytes.get(self.pos).ok_or(DecodeError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], DecodeError> {
        let n = usize::try_from(n).map_err(|_| DecodeError::Truncated)?;
        if n > self.remaining() {
            return Err(DecodeError::Truncated);
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub fn var128(&mut self) -> Result<u128, DecodeError> {
        let mut v: u128 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.u8()?;
            let chunk = u128::from(b & 0x7f);
            if shift == 126 && chunk > 3 {
                return Err(DecodeError::Invalid("varint overflow"));
            }
            v |= chunk << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
            if shift > 126 {
                return Err(DecodeError::Invalid("varint too long"));
            }
        }
    }

    pub fn var(&mut self) -> Result<u64, DecodeError> {
        u64::try_from(self.var128()?).map_err(|_| DecodeError::Invalid("varint overflow"))
    }

    pub fn ivar(&mut self) -> Result<i64, DecodeError> {
        self.var().map(unzigzag)
    }

    pub fn str(&mut self) -> Result<String, DecodeError> {
        let n = self.var()?;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::Invalid("utf-8 string"))
    }

    pub fn dec(&mut self) -> Result<BigDecimal, DecodeError> {
        let head = self.var128()?;
        let scale = unzigzag(u64::try_from(head >> 1).map_err(|_| DecodeError::Invalid("decimal scale"))?);
        let mantissa = if head & 1 == 0 {
            BigInt::from(self.ivar()?)
        } else {
            let sign = match self.u8()? {
                0 => Sign::Plus,
                1 => Sign::Minus,
                _ => return Err(DecodeError::Invalid("decimal sign")),
            };
            let n = self.var()?;
            let magnitude = self.take(n)?;
            let m = BigInt::from_bytes_be(sign, magnitude);
            if m.is_zero() || m.to_i64().is_some() {
                return Err(DecodeError::Invalid("decimal mantissa"));
            }
            m
        };
        Ok(BigDecimal::new(mantissa, scale))
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn primitives_round_trip() {
        let decimals = [
            "0",
            "-0.5",
            "60.39333333333333",
            "1e-400",
            "-123456789012345678901234567890.5",
            "9.2e18",
        ];
        let mut w = Writer::default();
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            w.var(v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            w.ivar(v);
        }
        w.var128(u128::MAX);
        w.str("fullscreen");
        for d in decimals {
            w.dec(&BigDecimal::from_str(d).unwrap());
        }
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            assert_eq!(r.var().unwrap(), v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            assert_eq!(r.ivar().unwrap(), v);
        }
        assert_eq!(r.var128().unwrap(), u128::MAX);
        assert_eq!(r.str().unwrap(), "fullscreen");
        for d in decimals {
            let got = r.dec().unwrap();
            assert_eq!(got, BigDecimal::from_str(d).unwrap());
            assert_eq!(
                got.as_bigint_and_exponent(),
                BigDecimal::from_str(d).unwrap().as_bigint_and_exponent()
            );
        }
        assert_eq!(r.remaining(), 0);
        assert_eq!(Reader::new(&[0x80]).var(), Err(DecodeError::Truncated));
        assert!(Reader::new(&[0xff; 20]).var128().is_err());
    }
}
