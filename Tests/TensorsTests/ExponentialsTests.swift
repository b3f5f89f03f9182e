import Foundation
import Testing

@testable import Tensors

@Suite("Vector exponentials")
struct ExponentialsTests {
    private func exponentials(_ x: [Float], minus shift: Float = 0) -> [Float] {
        var y = [Float](repeating: -1, count: x.count)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                _ = Exponentials.shifted(x.baseAddress!, minus: shift, into: y.baseAddress!, count: x.count)
            }
        }
        return y
    }

    @Test("within 1 ulp of the correctly rounded exp over Float's normal range")
    func accuracy() {
        let xs = stride(from: -87.3 as Float, through: 88, by: 0.00731).map { $0 } + [0, -0.0, 1e-7, -1e-7, 1, -1]
        let ys = exponentials(xs)
        var worst = 0.0
        for (x, y) in zip(xs, ys) {
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(y) - exact) / Double(Float(exact).ulp))
        }
        #expect(worst <= 1, "worst error \(worst) ulp")
    }

    @Test("NaN stays NaN, arguments below Float's normal range give 0, the shift is subtracted first")
    func edges() {
        let ys = exponentials([.nan, -.infinity, -100, -87.5, 0, 3], minus: 0)
        #expect(ys[0].isNaN)
        #expect(ys[1] == 0 && ys[2] == 0 && ys[3] == 0)
        #expect(ys[4] == 1)
        #expect(exponentials([5], minus: 5) == [1])
        #expect(exponentials([], minus: 0).isEmpty)
    }

    @Test("a value is the same in a vector and in the tail, and in place")
    func positionIndependent() {
        let x: [Float] = (0..<11).map { -Float($0) * 0.37 }
        let whole = exponentials(x)
        for start in 0..<x.count {
            let part = exponentials(Array(x[start...]))
            #expect(part.map(\.bitPattern) == whole[start...].map(\.bitPattern))
        }
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { p in
            _ = Exponentials.shifted(UnsafePointer(p.baseAddress!), minus: 0, into: p.baseAddress!, count: p.count)
        }
        #expect(inPlace == whole)
    }
}
