# least_squares: drawn by `gnuplot least_squares.gp` from least_squares.dat; edit freely and re-run.
set terminal pngcairo size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'least_squares.png'
set title "down_proj refit by ridge least squares" noenhanced
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "perplexity" noenhanced
set key outside right top box opaque
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set logscale y
set format x '%.0f%%'
plot 'least_squares.dat' index 0 using ($1*100):2 title "wpr [up_proj→down_proj] + least_squares" noenhanced with linespoints lc rgb '#0072B2' dt 3 pt 7 ps 0.8, \
     'least_squares.dat' index 1 using ($1*100):2 title "wanda [up_proj→down_proj] + least_squares" noenhanced with linespoints lc rgb '#D55E00' dt 3 pt 7 ps 0.8, \
     'least_squares.dat' index 2 using ($1*100):2 title "wpr [neurons] + least_squares" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'least_squares.dat' index 3 using ($1*100):2 title "wanda [neurons] + least_squares" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'least_squares.dat' index 4 using ($1*100):2 title "neuron_output [neurons] + least_squares" noenhanced with linespoints lc rgb '#117733' dt 1 pt 7 ps 0.8, \
     'least_squares.dat' index 5 using ($1*100):2 title "fluctuation [neurons] + least_squares" noenhanced with linespoints lc rgb '#882255' dt 1 pt 7 ps 0.8, \
     10.4872595 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'least_squares.svg'
replot
unset output
