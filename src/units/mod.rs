//! Administrative units: the tree every figure is rolled up along.

pub mod import;

/// The official 2025 list of Vietnam's 34 provinces and 3,321 communes
/// (`code,name,kind,parent_code`), from the national statistics office's catalogue.
pub const VN_ADMIN_UNITS_2025: &str = include_str!("vn-admin-units-2025.csv");

/// The lines of [`VN_ADMIN_UNITS_2025`] for one province and its communes, with the header:
/// a small real tree for the demo.
pub fn vn_province_csv(province: &str) -> Option<String> {
    let mut lines = VN_ADMIN_UNITS_2025.lines();
    let mut csv = format!("{}\n", lines.next()?);
    let mut found = false;
    for line in lines {
        let mut fields = line.split(',');
        let code = fields.next().unwrap_or_default();
        let parent = fields.nth(2).unwrap_or_default();
        if code == province || parent == province {
            found |= code == province;
            csv.push_str(line);
            csv.push('\n');
        }
    }
    found.then_some(csv)
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_province_with_its_communes() {
        let hue = super::vn_province_csv("46").unwrap();
        assert_eq!(hue.lines().count(), 1 + 1 + 40);
        assert!(hue.contains("46,Thành phố Huế,thành phố trung ương,\n"));
        assert!(super::vn_province_csv("99").is_none());
    }
}
