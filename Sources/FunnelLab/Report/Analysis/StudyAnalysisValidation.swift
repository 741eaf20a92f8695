import Foundation

extension StudyAnalysis {
    /// What is inconsistent in an analysis read from a file: sizes that a computed analysis always
    /// gets right but an edited file may not, and that the charts would otherwise trap on.
    /// - Returns: the first problem's field and description; nil when there is none.
    func inconsistency() -> (field: String, problem: String)? {
        for (i, table) in results.enumerated() {
            for (model, ranking) in table.top1Rankings.merging(table.lossRankings, uniquingKeysWith: { a, _ in a }) where ranking.entries.isEmpty {
                return ("results[\(i)] rankings of \(model)", "expected at least one entry, found none")
            }
        }
        for (i, curve) in (shapes?.curves ?? []).enumerated() where curve.y.count != curve.x.count || curve.dy.count != curve.x.count {
            return ("shapes.curves[\(i)]", "expected as many y and dy as x values (\(curve.x.count)), found \(curve.y.count) and \(curve.dy.count)")
        }
        if let frelu = frelu?.value {
            for (i, layer) in (frelu.kernels?.layers ?? []).enumerated() {
                let shape = (layer.kernels.first?.count ?? 0, layer.kernels.first?.first?.count ?? 0)
                if shape.0 == 0 || shape.1 == 0 || !layer.kernels.allSatisfy({ $0.count == shape.0 && $0.allSatisfy { $0.count == shape.1 } }) {
                    return ("frelu.value.kernels.layers[\(i)].kernels", "expected channels of one non-empty k\u{00D7}k shape")
                }
            }
            if let c = frelu.condition {
                let field = "frelu.value.condition"
                if c.maps.count != c.pictures.count || c.captions.count != c.pictures.count {
                    return (field, "expected a map and a caption per picture (\(c.pictures.count)), found \(c.maps.count) and \(c.captions.count)")
                }
                if let i = c.maps.firstIndex(where: { $0.count != c.height * c.width }) {
                    return ("\(field).maps[\(i)]", "expected \(c.height)\u{00D7}\(c.width) values, found \(c.maps[i].count)")
                }
                if let i = c.pictures.firstIndex(where: { $0.width != c.width || $0.height != c.height }) {
                    return ("\(field).pictures[\(i)]", "expected \(c.width)\u{00D7}\(c.height), found \(c.pictures[i].width)\u{00D7}\(c.pictures[i].height)")
                }
            }
        }
        if let blocks = dyrelu?.value.blocks, let pieces = blocks.first?.slopeSpread.count {
            if let i = blocks.firstIndex(where: { $0.slopeSpread.count != pieces || $0.interceptSpread.count != pieces }) {
                return ("dyrelu.value.blocks[\(i)]", "expected \(pieces) slope and intercept spreads like the first block, found \(blocks[i].slopeSpread.count) and \(blocks[i].interceptSpread.count)")
            }
        }
        for (i, image) in (segmentation?.value.images ?? []).enumerated() {
            let area = image.picture.width * image.picture.height
            if image.truth.count != area || image.predicted.count != area {
                return ("segmentation.value.images[\(i)]", "expected \(area) truth and predicted mask values (\(image.picture.width)\u{00D7}\(image.picture.height)), found \(image.truth.count) and \(image.predicted.count)")
            }
        }
        return nil
    }
}
