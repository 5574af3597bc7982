# wpr_gamma_theta: drawn by `gnuplot wpr_gamma_theta.gp` from wpr_gamma_theta.dat; edit freely and re-run.
# 6in x 4in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 900,600 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'wpr_gamma_theta.png'
set border lc rgb '#444444'
set grid lc rgb '#dddddd'
set logscale y
set title "wpr at 30 %: damping γ and trade-off θ" noenhanced
set key below center horizontal maxcols 2 reverse Left nobox height 1
set xlabel "gamma" noenhanced
set ylabel "perplexity" noenhanced
plot 'wpr_gamma_theta.dat' index 0 using 1:2 title "theta 0" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'wpr_gamma_theta.dat' index 1 using 1:2 title "theta 0.25" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'wpr_gamma_theta.dat' index 2 using 1:2 title "theta 0.5" noenhanced with linespoints lc rgb '#009E73' dt 1 pt 7 ps 0.8, \
     'wpr_gamma_theta.dat' index 3 using 1:2 title "theta 0.75" noenhanced with linespoints lc rgb '#CC79A7' dt 1 pt 7 ps 0.8, \
     'wpr_gamma_theta.dat' index 4 using 1:2 title "theta 1" noenhanced with linespoints lc rgb '#E69F00' dt 1 pt 7 ps 0.8, \
     10.4872595 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 432,288 enhanced font 'Sans,10' linewidth 1
set output 'wpr_gamma_theta.svg'
replot
unset output
